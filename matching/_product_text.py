"""Product text clean-up: case, accents, punctuation, filler, sizes, bilingual word forms.

Everything here works on a whole batch at once: the texts are joined into one string,
cleaned with a handful of regular expressions, and split again, so the cost per text is a
few string operations in C rather than a Python function call per step. The same
functions clean the taxonomy's synonyms, so a text and a synonym that differ only in
filler, word order, plural, or language of a form word ("beku" / "frozen") end up as the
same set of tokens.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Sequence
from importlib import resources

import numpy as np

__all__ = [
    "CANONICAL",
    "FORM_GROUPS",
    "NON_PRODUCT_WORDS",
    "PACKAGING_WORDS",
    "canonical_tokens",
    "canonical_word",
    "clean_product_texts",
    "extract_attributes",
    "place_words",
]

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that grade, sell, pack or praise a product but never name it (Indonesian and
#: English). They are dropped from texts and synonyms alike.
_FILLER = _words("""
    kualitas quality grade mutu kelas class export ekspor eksport expor premium terbaik best
    high tinggi top asli original pure organik organic certified sertifikat bersertifikat
    halal haccp kosher eu usda jas a b c aa aaa ab faq ready stok stock supply supplier
    suppliers jual sell selling seller buy buying buyer beli wanted want need needed needs
    request rfq looking look dari from desa village bumdes kg kgs kilo kilogram g gr grm gram
    grams mt ton tons tonne tonnes t lb lbs ml l liter litre ltr mm cm ft feet pcs pc ekor
    unit units per bulan month months monthly minggu week weeks weekly tahun year yearly hari
    day daily size ukuran sz murah harga price cheap terjangkau
    langsung direct directly hub hubungi call wa whatsapp contact kontak info untuk for to ke
    dan and with dengan yang which that the of in di on at by we our kami kita saya i are is
    am be as an or atau also juga ada available tersedia tersedianya new baru bagus good nice
    fine sangat very full penuh lengkap moisture kadar air max min maximum minimum approx
    sekitar kurang lebih about up container kontainer fcl lcl x cif fob exw dap ddp incoterm
    incoterms sample contoh pengiriman shipment shipping kirim delivery non gmo type tipe
    jenis variety varietas
    """)

#: Words that mark a text as a service, an asset for hire, or equipment: such a text is not a
#: traded good of the taxonomy even when it names one ("jasa pengiriman kepiting").
NON_PRODUCT_WORDS = _words("""
    jasa layanan service services servis sewa rental rent hire charter chartering
    pelatihan training kursus course courses les konsultan konsultasi consulting consultant
    consultancy advisory wisata tour tours tourism homestay penginapan hotel resort booking
    mesin machine machinery alat equipment peralatan tools bibit benih seedling seedlings
    renovasi repair perbaikan bengkel catering katering insurance asuransi kredit loan
    pinjaman simpan tabungan pulsa listrik ppob fotocopy software aplikasi website
    inspection certification clearance forwarding forwarder logistics logistik ekspedisi
    labour labor tenaga kerja
    """) - {"peralatan"}

#: Words for packaging and containers. Indonesian puts the head noun first: a text that
#: starts with one of them ("kemasan pouch kopi", "karung goni") sells the packaging, while
#: "kopi bubuk kemasan pouch" sells coffee.
PACKAGING_WORDS = _words("""
    kemasan packaging pouch sachet botol bottle bottles jerigen jerrycan karung sack sacks
    label stiker sticker plastik plastic kardus karton carton cartons kaleng
    """)

# Bilingual and spelling variants of frequent words, all mapped to one token so that
# "kepiting beku" and "frozen kepiting" share their tokens. Form words carry a "~" so that
# they can never clash with a product word.
_CANONICAL_GROUPS: tuple[tuple[str, str], ...] = (
    ("~frozen", "beku frozen iqf frz frozn bku blast"),
    ("~live", "hidup live alive hdup idup"),
    ("~fresh", "segar fresh chilled dingin iced es"),
    ("~dried", "kering dried dry dehydrated kring kerin sun"),
    ("~powder", "bubuk powder serbuk powdered pwd powdr ground grounded"),
    ("~flour", "tepung flour"),
    ("~oil", "minyak oil oils"),
    ("~essential", "esensial essential atsiri essensial esential"),
    ("~roasted", "sangrai roasted roast roasting sangria"),
    ("~meat", "daging meat"),
    ("~pasteurised", "pasteurisasi pasteurized pasteurised pasturized pasteurize pasteurised"
                     " pasteurisasi pasteurisation pasteurization"),
    ("~peeled", "kupas peeled picked"),
    ("~salted", "asin salted salt"),
    ("~smoked", "asap smoked"),
    ("~fillet", "fillet filet fillets filets"),
    ("~cooked", "masak cooked rebus boiled"),
    ("~chips", "keripik kripik chips chip crisps"),
    ("fish", "ikan fish"),
    ("shrimp", "udang shrimp shrimps"),
    ("coconut", "kelapa coconut coconuts"),
    ("sugar", "gula sugar"),
    ("corn", "jagung corn maize maiz mais"),
    ("banana", "pisang banana bananas"),
    ("coffee", "kopi coffee"),
    ("arabica", "arabica arabika"),
    ("tea", "teh tea"),
    ("honey", "madu honey"),
    ("ginger", "jahe ginger"),
    ("turmeric", "kunyit kunir turmeric"),
    ("clove", "cengkeh cengkih clove cloves"),
    ("nutmeg", "pala nutmeg"),
    ("avocado", "alpukat avocado avokad apokat alpokat avocados"),
    ("moringa", "kelor moringa"),
    ("cocoa", "kakao cocoa cacao coklat cokelat"),
    ("squid", "cumi squid"),
    ("octopus", "gurita octopus"),
    ("grouper", "kerapu grouper"),
    ("snapper", "kakap snapper"),
    ("eel", "sidat eel"),
    ("anchovy", "teri anchovy anchovies"),
    ("wood", "kayu wood wooden"),
    ("charcoal", "arang charcoal"),
    ("basket", "keranjang basket baskets"),
    ("furniture", "mebel furniture meubel"),
    ("chair", "kursi chair chairs"),
    ("bamboo", "bambu bamboo"),
    ("rattan", "rotan rattan"),
    ("teak", "jati teak"),
    ("mat", "tikar mat mats"),
    ("starch", "pati starch"),
    ("fruit", "buah fruit fruits"),
    ("leaf", "daun leaf leaves"),
    ("seed", "biji seed seeds bean beans"),
    ("shell", "cangkang shell shells"),
    ("rice", "beras rice"),
    ("chili", "cabai cabe chili chilli chillies chilies"),
    ("cassava", "singkong cassava"),
    ("potato", "kentang potato potatoes"),
    ("pineapple", "nanas nenas pineapple"),
    ("mango", "mangga mango mangoes"),
    ("crab", "crab crabs"),
    ("nut", "nut nuts"),
    ("peanut", "peanut peanuts"),
)
CANONICAL: dict[str, str] = {
    word: canonical for canonical, words in _CANONICAL_GROUPS for word in words.split()
}

#: Form groups: a text naming one of these forms should not resolve to a product of
#: another form of the same good ("kepiting beku" is not live mud crab).
FORM_GROUPS: tuple[str, ...] = (
    "~live", "~fresh", "~frozen", "~dried", "~powder", "~flour", "~oil", "~roasted",
    "~meat", "~salted", "~smoked", "~cooked", "~chips",
)

_JOIN = "\n"
_NON_WORD = re.compile(r"[^a-z0-9~\n]+")
_NUMBERISH = re.compile(r"(?<![a-z0-9])\d+(?:x\d+)?[a-z]{0,3}(?![a-z0-9])")
_UNIT = r"(?:kg|gr|g|gram|grams|mt|ton|tons|mm|cm|ml|l|liter|litre|pcs|ekor|lb|lbs|oz|ft|%|g/l)"
_PERIOD = r"(?:bulan|minggu|tahun|month|week|year|hari|day|ekor|pcs|pack|l)"
# every attribute starts with a number: one scan for digits, then the shapes that follow
_ATTRIBUTE = re.compile(
    r"(?<![a-z0-9.,])\d+(?:[.,]\d+)?"
    r"(?:\s*(?:-|to|sampai|s/d|~)\s*\d+(?:[.,]\d+)?\s*" + _UNIT + r"?(?![a-z])"
    r"|/\d+(?:\s*(?:pcs|ct|count))?"
    r"|\s*" + _UNIT + r"(?![a-z])(?:\s*(?:/|per)\s*" + _PERIOD + r")?"
    r"|\s*(?:up|\+)(?![a-z]))"
)
_ASCII_PUNCTUATION = str.maketrans({"–": "-", "—": "-", "×": "x", "’": "'", "‘": "'"})


def _ascii_lower(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_ASCII_PUNCTUATION))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _joined(texts: Sequence[str]) -> str:
    joined = _JOIN.join(texts)
    if joined.count(_JOIN) != max(len(texts) - 1, 0):
        joined = _JOIN.join(t.replace("\r", " ").replace("\n", " ") for t in texts)
    return joined


def clean_product_texts(texts: Sequence[str]) -> list[str]:
    """Lower case, ascii, punctuation, numbers and filler removed, one string per text.

    Examples
    --------
    >>> clean_product_texts(["Kepiting-Bakau HIDUP, kualitas ekspor 300-500 g!", "Café"])
    ['kepiting bakau hidup', 'cafe']
    """
    if not texts:
        return []
    big = _NON_WORD.sub(" ", _ascii_lower(_joined(texts)).replace("~", " "))
    big = _NUMBERISH.sub(" ", big)
    out = []
    for line in big.split(_JOIN):
        out.append(" ".join(w for w in line.split() if w not in _FILLER))
    return out


def extract_attributes(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """Sizes, counts, quantities and percentages found in each text, as written.

    Examples
    --------
    >>> extract_attributes(["live mud crab 300-500 g", "udang vaname HOSO 50/60", "jagung"])
    [('300-500 g',), ('50/60',), ()]
    """
    found: list[list[str]] = [[] for _ in texts]
    if not texts:
        return []
    big = _ascii_lower(_joined(texts))
    matches = [(m.start(), m.group()) for m in _ATTRIBUTE.finditer(big)]
    if matches:
        newlines = np.flatnonzero(np.frombuffer(big.encode("ascii"), dtype=np.uint8) == 10)
        rows = np.searchsorted(newlines, [start for start, _ in matches]).tolist()
        for row, (_, text) in zip(rows, matches, strict=True):
            found[row].append(" ".join(text.split()))
    return [tuple(f) for f in found]


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=1 << 16)
def canonical_word(word: str) -> str:
    """The canonical token of one cleaned word: ``"beku"`` -> ``"~frozen"``."""
    token = CANONICAL.get(word)
    if token is None:
        token = CANONICAL.get(_singular(word), _singular(word))
    return token


@functools.cache
def place_words() -> frozenset[str]:
    """Words of Indonesian regency, seat and province names and of country names.

    Sellers and buyers add origins and destinations ("kepiting hidup dari Kendari",
    "for Hong Kong"); such words say nothing about the product. The resolver ignores the
    ones no synonym uses (``"lampung pepper"`` keeps Lampung).
    """
    data = resources.files("matching").joinpath("data")
    texts = []
    for name, columns in (("regencies.csv", ("regency", "seat", "former_names")),
                          ("provinces.csv", ("province", "abbreviations", "capital")),
                          ("country_names.csv", ("name", "aliases"))):
        rows = csv.DictReader(data.joinpath(name).read_text("utf-8").splitlines())
        texts += [row[c].replace("|", " ") for row in rows for c in columns if row.get(c)]
    words = {w for line in clean_product_texts(texts) for w in line.split()}
    return frozenset(w for w in words if len(w) > 2) - {"kabupaten", "kota"}


def canonical_tokens(cleaned: str) -> list[str]:
    """The tokens of a cleaned text, bilingual variants folded, in order, without repeats.

    Examples
    --------
    >>> canonical_tokens("frozen kepiting beku")
    ['~frozen', 'kepiting']
    >>> canonical_tokens("minyak alpukat")
    ['~oil', 'avocado']
    """
    return list(dict.fromkeys(map(canonical_word, cleaned.split())))
