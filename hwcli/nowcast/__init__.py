"""Part 3: rain nowcasting from satellite bands, in PyTorch.

Only constants here: the command line imports them for its defaults and help without paying for
numpy or torch.
"""

MODEL_NAMES = ("ff", "ff-dropout", "cnn", "gru", "transformer", "best")
DEFAULT_SAMPLES_PER_MONTH = 2000
DEFAULT_SEED = 0
