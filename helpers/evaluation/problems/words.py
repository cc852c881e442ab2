"""Word lists for the generated problem sets (plain data, written for this project)."""

from __future__ import annotations

# Everyday English words for letter counting: short and long, with and without
# doubled or repeated letters. All lower case, all distinct.
COUNTING_WORDS: tuple[str, ...] = (
    # short
    "cat", "egg", "tree", "moon", "book", "apple", "sheep", "pizza", "jazz", "kiwi",
    "lemon", "river", "glass", "three", "puppy", "llama", "hello", "radar", "level", "civic",
    # medium
    "banana", "cherry", "coffee", "letter", "rabbit", "bottle", "pepper", "butter", "bubble",
    "tomato", "orange", "summer", "yellow", "school", "giraffe", "balloon", "cookie", "mirror",
    "success", "address", "between", "freedom", "kitchen", "mission", "tattoo", "referee",
    "seventeen", "pineapple", "umbrella", "elephant", "teaspoon", "sleeping", "daffodil",
    "dinosaur", "starfish", "assessor",
    # long
    "strawberry", "raspberry", "blueberry", "chocolate", "committee", "necessary", "parallel",
    "occurrence", "possession", "millennium", "bookkeeper", "tennessee", "embarrass",
    "accommodate", "assessment", "boomerang", "dictionary", "restaurant", "vegetables",
    "playground", "watermelon", "helicopter", "butterflies", "grasshopper", "mosquitoes",
    "independent", "temperature", "refrigerator", "mathematics", "programming",
    "successfully", "nevertheless", "bumblebee", "cinnamon", "caterpillar", "peppermint",
    "disappointed", "commitment", "aggressive", "irresistible",
    # very long
    "hippopotamus", "onomatopoeia", "extraordinary", "communication", "entertainment",
    "international", "understanding", "responsibility", "characteristic",
    "unbelievable", "photosynthesis", "encyclopedia", "abracadabra", "quadrillion",
    "incomprehensible", "uncopyrightable", "mississippian", "possessiveness",
)  # fmt: skip

# Place names written with a capital letter, for case-insensitive counting.
CAPITALISED_WORDS: tuple[str, ...] = (
    "Mississippi", "Alabama", "Massachusetts", "Cincinnati", "Honolulu", "Philippines",
    "Barcelona", "Amsterdam", "Tallahassee", "Kalamazoo",
)  # fmt: skip

# Words for "sort alphabetically". Plain nouns that never double as
# connecting words ("and", "is"), so a checker can safely ignore other words.
SORTING_WORDS: tuple[str, ...] = (
    "apple", "banana", "cherry", "date", "elder", "fig", "grape", "hazel", "iris", "juniper",
    "kale", "lemon", "mango", "nutmeg", "olive", "peach", "quince", "radish", "spinach",
    "tulip", "violet", "walnut", "yam", "zucchini", "anchor", "bridge", "castle", "desert",
    "engine", "forest", "garden", "harbor", "island", "jungle", "kettle", "ladder", "meadow",
    "needle", "orchard", "pillow", "quarry", "rocket", "saddle", "tunnel", "valley", "window",
)  # fmt: skip

# Groups of words that share a beginning: sorting them needs a careful look past
# the first letters ("car" < "card" < "care" < "cart").
SHARED_PREFIX_GROUPS: tuple[tuple[str, ...], ...] = (
    ("car", "card", "care", "careful", "cargo", "carpet", "cart", "carton"),
    ("star", "stare", "stark", "start", "starling", "starch", "stars"),
    ("pan", "panda", "pane", "panel", "pancake", "panic", "pantry"),
    ("ten", "tend", "tender", "tennis", "tent", "tenth", "tense"),
    ("bar", "bare", "bark", "barn", "barrel", "barley", "barber"),
    ("sea", "seal", "seam", "search", "season", "seat", "seaweed"),
)  # fmt: skip

# First names for the word problems.
PEOPLE: tuple[str, ...] = (
    "Maya", "Leo", "Aisha", "Tom", "Priya", "Sam", "Elena", "Kofi", "Mei", "Omar", "Lucia",
    "Noah", "Yuki", "Ines", "Ravi", "Zoe",
)  # fmt: skip
