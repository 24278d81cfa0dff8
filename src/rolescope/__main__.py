from rolescope.cli.launch import main

if __name__ == "__main__":
    main()
