DCLM_SCALES = {}


def dclm_study(*a, **k):
    pass
