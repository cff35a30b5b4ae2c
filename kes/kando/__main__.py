"""Allow `python -m kes.kando`, for pods where the console script is not on PATH."""

from kes.kando import main

main.main()
