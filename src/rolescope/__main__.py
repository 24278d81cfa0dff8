from rolescope.cli.main import main

if __name__ == "__main__":
    main()
