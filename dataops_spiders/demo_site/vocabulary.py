"""Word lists the content generator draws from: a shop's categories, brands, people and prose."""

from __future__ import annotations

SHOP_NAME = "Harbor & Pine Supply Co."

# slug -> (display name, brands, product nouns, (lowest, highest) price in whole units)
CATEGORIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[int, int]]] = {
    "kitchen": (
        "Kitchen & Dining",
        ("Ferrovia", "Copperleaf", "Mulberry Mill", "Ostra"),
        (
            "Chef's Knife",
            "Cast Iron Skillet",
            "Burr Coffee Grinder",
            "End-Grain Cutting Board",
            "Enamelled Dutch Oven",
            "Gooseneck Kettle",
            "Stand Mixer",
            "Salad Spinner",
        ),
        (9, 480),
    ),
    "electronics": (
        "Electronics",
        ("Voltrix", "Auralis", "Kestrel Audio", "Nimbus Labs"),
        (
            "Wireless Headphones",
            "Bluetooth Speaker",
            "USB-C Hub",
            "Mechanical Keyboard",
            "27-inch 4K Monitor",
            "Smart Plug",
            "Portable SSD",
            "Noise-Cancelling Earbuds",
        ),
        (15, 1650),
    ),
    "garden": (
        "Garden & Patio",
        ("Greenhollow", "Tuffield", "Briar & Bloom", "Verdana Tools"),
        (
            "Bypass Pruner",
            "Raised Garden Bed",
            "Watering Can",
            "Hose Reel",
            "Compost Bin",
            "Solar Path Light",
            "Garden Kneeler",
            "Bird Feeder",
        ),
        (7, 390),
    ),
    "outdoor": (
        "Outdoor & Camping",
        ("Summit Forge", "Ridgeway", "Northtrail", "Alder Peak"),
        (
            "Trekking Poles",
            "Backpacking Stove",
            "Rain Shell Jacket",
            "Down Sleeping Bag",
            "Rechargeable Headlamp",
            "Daypack 28L",
            "Insulated Bottle",
            "Ultralight Tent",
        ),
        (12, 720),
    ),
    "home-office": (
        "Home Office",
        ("Deskwell", "Lumen & Co", "Papertrail", "Ergonova"),
        (
            "LED Desk Lamp",
            "Ergonomic Chair",
            "Monitor Arm",
            "Dot-Grid Notebook Set",
            "Cable Tray",
            "Standing Desk",
            "Laptop Stand",
            "Felt Desk Mat",
        ),
        (8, 940),
    ),
    "toys": (
        "Toys & Games",
        ("Tinkerbox", "Marble Owl", "Pocket Planet", "Woodwright"),
        (
            "Wooden Train Set",
            "Strategy Board Game",
            "Building Blocks Kit",
            "Plush Fox",
            "Marble Run",
            "Jigsaw Puzzle 1000 pc",
            "Kite",
            "Science Kit",
        ),
        (6, 260),
    ),
}

ADJECTIVES = (
    "Classic",
    "Pro",
    "Compact",
    "Everyday",
    "Heritage",
    "Ultra",
    "Studio",
    "Travel",
    "Deluxe",
    "Essential",
)

COLOURS = ("Charcoal", "Sage", "Oat", "Navy", "Terracotta", "Slate", "Ivory", "Moss")

MATERIALS = (
    "recycled aluminium",
    "FSC-certified beech",
    "stainless steel",
    "organic cotton",
    "high-density polyethylene",
    "powder-coated steel",
    "walnut veneer",
    "ripstop nylon",
)

DESCRIPTION_OPENERS = (
    "Built from {material}, the {name} is made for people who use their gear every day.",
    "The {name} pairs {material} with a clean, no-nonsense design.",
    "Our best-selling {noun_lower} just got better: the {name} is lighter and tougher.",
    "Designed in-house and tested for months, the {name} earns its place in any home.",
)

DESCRIPTION_MIDDLES = (
    "It comes in {colour} and is backed by a {warranty}-year warranty.",
    "Every unit is inspected by hand before it leaves our warehouse.",
    "Reviewers praise its balance, finish and the attention to small details.",
    "Replacement parts are available for at least ten years after purchase.",
    "It ships in plastic-free packaging that you can recycle at home.",
)

DESCRIPTION_CLOSERS = (
    "Care is simple: wipe clean and store dry.",
    "Pair it with other {brand} pieces for a matching set.",
    "Please note that colours may vary slightly from the photos.",
    "A thoughtful gift for anyone who appreciates well-made things.",
)

FIRST_NAMES = (
    "Ana",
    "Marcus",
    "Priya",
    "Tomasz",
    "Chloé",
    "Kenji",
    "Fatima",
    "Owen",
    "Lucía",
    "Daniel",
    "Ingrid",
    "Samuel",
)

LAST_NAMES = (
    "Ruiz",
    "Okafor",
    "Natarajan",
    "Wójcik",
    "Lefèvre",
    "Tanaka",
    "Haddad",
    "Brennan",
    "Castillo",
    "Meyer",
    "Lindqvist",
    "Adeyemi",
)

COMMENTERS = ("jess_k", "PaulT", "Margo", "outdoorsy_dan", "Ruth B.", "kitchenwitch", "Leo", "nina")

ARTICLE_TOPICS = (
    ("How to season a cast iron skillet", "kitchen", "cast iron"),
    ("Choosing the right headphones for travel", "electronics", "headphones"),
    ("A beginner's guide to raised garden beds", "garden", "raised beds"),
    ("What to pack for a first overnight hike", "outdoor", "hiking"),
    ("Setting up a home office that your back will thank you for", "home-office", "ergonomics"),
    ("Screen-free toys that keep kids busy for hours", "toys", "play"),
    ("Why a burr grinder changes your morning coffee", "kitchen", "coffee"),
    ("USB-C hubs explained: what the ports actually do", "electronics", "USB-C"),
    ("Pruning basics for fruit trees", "garden", "pruning"),
    ("Layering for cold-weather camping", "outdoor", "layering"),
    ("The case for a standing desk, and its limits", "home-office", "standing desks"),
    ("Board games for families with mixed ages", "toys", "board games"),
    ("Knife care: honing versus sharpening", "kitchen", "knife care"),
    ("Portable SSDs for photographers", "electronics", "storage"),
    ("Composting in a small backyard", "garden", "compost"),
    ("Choosing a sleeping bag temperature rating", "outdoor", "sleeping bags"),
    ("Desk lighting that reduces eye strain", "home-office", "lighting"),
    ("Wooden toys: why they last generations", "toys", "wooden toys"),
    ("Dutch oven bread without the fuss", "kitchen", "baking"),
    ("Smart plugs and the energy you did not know you used", "electronics", "smart home"),
    ("Attracting birds to your garden in winter", "garden", "birds"),
    ("Headlamps: lumens, beam and battery life", "outdoor", "headlamps"),
    ("Cable management for people who hate cable management", "home-office", "cables"),
    ("Puzzles as a slow hobby", "toys", "puzzles"),
    ("Behind the scenes at our warehouse", "home-office", "logistics"),
    ("Repair, don't replace: our spare parts programme", "kitchen", "repair"),
    ("Mechanical keyboards for writers", "electronics", "keyboards"),
    ("Watering wisely during a dry summer", "garden", "watering"),
    ("Trekking poles: do you really need them?", "outdoor", "trekking"),
    ("Science kits that teach more than the box promises", "toys", "science"),
    ("Our 2024 holiday gift guide", "toys", "gifts"),
    ("Notes from our first pop-up store", "kitchen", "pop-up"),
)

ARTICLE_SENTENCES = (
    "Most people get {topic} wrong in the same few ways, and they are easy to fix.",
    "We asked our customer team which questions about {topic} come up most often.",
    "The short answer is that it depends on how you live, not on what is fashionable.",
    "Start with the basics and only upgrade once you know what bothers you.",
    "A little preparation at the beginning saves a lot of frustration later on.",
    "We tested a dozen approaches over three months and kept notes on every one.",
    "The results surprised us, and they changed what we recommend in the shop.",
    "If you only remember one thing from this piece, make it this: consistency beats intensity.",
    "Cheap options can work well, but they rarely last as long as you would like.",
    "There is no single right way, only trade-offs you should make on purpose.",
    "Several readers wrote in after our last post about {topic} with tips of their own.",
    "It is worth checking the manufacturer's guidance before you try anything drastic.",
    "Our own team is split on this, which is usually a sign that both sides have a point.",
    "Give it a few weeks before you decide whether the change was worth it.",
    "Small habits compound, and {topic} is no exception to that rule.",
    "We will keep updating this guide as we learn more from your feedback.",
    "What matters most is that the routine fits into an ordinary week.",
    "Seasonal changes make a bigger difference to {topic} than most people expect.",
    "None of this requires expensive tools, just a bit of patience.",
    "When in doubt, ask someone who has done it for years; most are happy to help.",
)

COMMENT_TEXTS = (
    "Thanks, this was exactly what I needed before the weekend!",
    "I tried this last year and can confirm it works.",
    "Would love a follow-up on the more advanced stuff.",
    "Great article. Any chance you could ship to Canada soon?",
    "My grandmother swore by the same method.",
    "Bookmarked. The part about patience really hit home.",
)

EMPLOYERS = (
    "Harbor & Pine Supply Co.",
    "Ferrovia Housewares GmbH",
    "Voltrix Electronics Inc.",
    "Greenhollow Gardens Ltd",
    "Summit Forge Outfitters",
)

JOB_TITLES = (
    "Senior Backend Engineer",
    "Warehouse Associate",
    "Customer Support Specialist",
    "Data Analyst",
    "Merchandising Manager",
    "Frontend Developer",
    "Delivery Driver",
    "Product Photographer",
    "Supply Chain Planner",
    "Store Manager",
    "Content Writer",
    "Quality Assurance Inspector",
)

# (visible location, schema.org locality, region, country, salary currency, salary scale)
LOCATIONS = (
    ("Portland, OR", "Portland", "OR", "US", "USD", 1.0),
    ("Austin, TX", "Austin", "TX", "US", "USD", 1.0),
    ("Berlin, Germany", "Berlin", "BE", "DE", "EUR", 0.8),
    ("Manchester, United Kingdom", "Manchester", "England", "GB", "GBP", 0.7),
    ("Remote (United States)", "", "", "US", "USD", 1.0),
)

EMPLOYMENT_TYPES = (
    ("FULL_TIME", "Full-time"),
    ("PART_TIME", "Part-time"),
    ("CONTRACTOR", "Contract"),
    ("TEMPORARY", "Temporary"),
)

JOB_DUTIES = (
    "Work closely with a small, friendly team across time zones.",
    "Own your projects from first idea to delivery.",
    "Help us keep customers happy during our busiest seasons.",
    "Improve the tools and processes we use every day.",
    "Share what you learn and mentor newer colleagues.",
    "Keep quality high without slowing the team down.",
)

JOB_REQUIREMENTS = (
    "Two or more years of relevant experience.",
    "Clear written communication in English.",
    "Comfortable with changing priorities.",
    "A valid driver's licence (for field roles).",
    "Experience with retail or e-commerce is a plus.",
    "Attention to detail and a sense of humour.",
)

EVENT_NAMES = (
    "Knife sharpening workshop",
    "Seed swap morning",
    "Board game night",
    "Intro to backpacking talk",
    "Coffee cupping session",
    "Repair café",
)
