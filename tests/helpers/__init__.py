"""Pieces more than one test folder uses, each module named for what it holds."""
