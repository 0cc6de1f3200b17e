"""How far a typed word is from a catalogue word, counting the slips typing makes.

A swap of neighbouring letters and a key pressed instead of its neighbour on the keyboard
cost half an edit; any other insertion, deletion or substitution costs one. A word may be
this far from its correction: half an edit at 3 letters (one slip: `edn` → `end`), one
edit from 4 to 7 letters, two from 8.
"""

_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
# Keys next to each key on a QWERTY keyboard (same row, and the row above and below).
_NEIGHBOURS: dict[str, set[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        _NEIGHBOURS[_key] = {
            other for rr in (_r - 1, _r, _r + 1) if 0 <= rr < len(_ROWS)
            for cc in (_c - 1, _c, _c + 1) if 0 <= cc < len(_ROWS[rr])
            if (other := _ROWS[rr][cc]) != _key
        }
SLIP = 0.5  # a swap, or a neighbouring key


def typo_budget(word: str) -> float:
    """How far a correction may be: none below 3 letters, then one slip, one edit, two."""
    if len(word) < 3:
        return 0
    if len(word) == 3:
        return SLIP
    return 1 if len(word) < 8 else 2


def typo_distance(a: str, b: str, limit: float) -> float:
    """Optimal string alignment distance with slips at half cost, or more than `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [float(i)] + [0.0] * len(b)
        for j, cb in enumerate(b, 1):
            substitute = 0 if ca == cb else SLIP if cb in _NEIGHBOURS.get(ca, ()) else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitute)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and ca != cb:
                current[j] = min(current[j], previous2[j - 2] + SLIP)
        # A swap at the next row may start from the row before this one.
        if min(current) > limit and min(previous) + SLIP > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


def slips(word: str) -> list[str]:
    """The words one slip away from `word`: what a 3-letter word is looked up against."""
    out = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)
           if word[i] != word[i + 1]}
    out |= {word[:i] + key + word[i + 1:] for i, ch in enumerate(word)
            for key in _NEIGHBOURS.get(ch, ())}
    return sorted(out - {word})
