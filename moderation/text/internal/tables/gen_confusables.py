# Regenerates confusables_latin.txt from the confusables.json shipped by the Debian package
# python3-confusable-homoglyphs (see PROVENANCE). Usage: python3 gen_confusables.py PATH/confusables.json
import json, sys, unicodedata
d = json.load(open(sys.argv[1]))
m = {}
def ok(ch):
    o = ord(ch)
    if o < 128: return False
    if 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF: return False
    return True
for k, lst in d.items():
    for e in lst:
        c = e['c']
        for a, b in ((k, c), (c, k)):
            if len(a) == 1 and len(b) == 1 and b.isascii() and b.isalpha() and ok(a):
                m.setdefault(a, b.lower())
# Small capitals (ʙɪᴛᴄʜ) are not in confusables.txt as single letters: add them by name.
for cp in range(0x80, 0x20000):
    try:
        name = unicodedata.name(chr(cp))
    except ValueError:
        continue
    if name.startswith('LATIN LETTER SMALL CAPITAL ') and len(name.split()[-1]) == 1:
        m.setdefault(chr(cp), name.split()[-1].lower())
with open('confusables_latin.txt', 'w') as f:
    f.write("# Derived from confusable_homoglyphs 3.2.0 confusables.json (Debian python3-confusable-homoglyphs 3.2.0-2),\n# itself generated from Unicode confusables.txt. Format: U+XXXX<TAB>ascii letter.\n")
    for a in sorted(m):
        f.write("U+%04X\t%s\t# %s\n" % (ord(a), m[a], unicodedata.name(a, '?')))
