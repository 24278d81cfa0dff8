"""rolescope's benchmark: synthetic organisations, the offline and live measurements, the plots."""
