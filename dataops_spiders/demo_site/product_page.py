"""Product pages in four visible layouts, each with JSON-LD, microdata or no structured data.

The layouts follow the markup of common shop platforms (a WordPress shop, a hosted storefront, an
enterprise catalogue, an old table-based shop) so extraction meets the variety of the real web:
struck-through old prices, instalment and shipping prices, related products with their own prices,
a mini cart in the header, SKUs in a "SKU:" line, an "Item #" caption, a spec table or a
label/value table.
"""

from __future__ import annotations

from decimal import Decimal

from dataops_spiders.demo_site import vocabulary as words
from dataops_spiders.demo_site.content import Catalogue, Product, category_path
from dataops_spiders.demo_site.layout import absolute, esc, format_price, json_ld, page

SCHEMA = "https://schema.org/"


class Microdata:
    """Emits itemprop/itemscope attributes on microdata pages and nothing on the others."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def prop(self, name: str, content: str | None = None) -> str:
        if not self.enabled:
            return ""
        extra = f' content="{esc(content)}"' if content is not None else ""
        return f' itemprop="{name}"{extra}'

    def scope(self, schema_type: str, prop: str | None = None) -> str:
        if not self.enabled:
            return ""
        owner = f' itemprop="{prop}"' if prop else ""
        return f'{owner} itemscope itemtype="{SCHEMA}{schema_type}"'

    def meta(self, name: str, content: str) -> str:
        return f'<meta itemprop="{name}" content="{esc(content)}">' if self.enabled else ""

    def link(self, name: str, href: str) -> str:
        return f'<link itemprop="{name}" href="{esc(href)}">' if self.enabled else ""

    def offer_hidden(self, product: Product) -> str:
        """Currency and availability: not printed as such, so given as meta/link tags."""
        return self.meta("priceCurrency", product.currency) + self.link(
            "availability", f"{SCHEMA}{product.availability}"
        )


def _price_style(product: Product) -> str:
    return {"storefront": "local", "table": "code"}.get(product.layout, "symbol")


def _money(product: Product, amount: Decimal) -> str:
    return format_price(amount, product.currency, _price_style(product))


def _rating(product: Product) -> str:
    if not product.review_count:
        return '<div class="reviews-summary"><a href="#reviews">Be the first to review</a></div>'
    return (
        f'<div class="reviews-summary" role="img" aria-label="Rated {product.rating} out of 5">'
        f'<span class="stars">{"★" * round(product.rating)}</span> {product.rating} '
        f'<a href="#reviews">({product.review_count} customer reviews)</a></div>'
    )


def _cart_form(product: Product, label: str = "Add to cart") -> str:
    if not product.in_stock:
        return (
            '<form class="notify-me" action="/notify" method="post">'
            f'<input type="hidden" name="product" value="{product.index}">'
            '<input type="email" name="email" placeholder="Email address">'
            '<button type="submit">Notify me when available</button></form>'
        )
    return (
        '<form class="cart" action="/cart" method="post">'
        '<label for="qty">Quantity</label><input id="qty" type="number" name="quantity" value="1" '
        f'min="1"><button type="submit" name="add-to-cart" value="{product.index}">{label}</button>'
        "</form>"
    )


def _classic(product: Product, md: Microdata) -> str:
    """A WordPress-shop summary: del/ins prices, a stock line and a 'SKU:' meta line."""
    price = md.prop("price", str(product.price))
    was = f"<del>{_money(product, product.old_price)}</del> " if product.old_price else ""
    stock_class = "in-stock" if product.in_stock else "out-of-stock"
    return (
        '<div class="summary entry-summary">'
        f'<h1 class="product_title entry-title"{md.prop("name")}>{esc(product.name)}</h1>'
        f"{_rating(product)}"
        f'<div class="offer"{md.scope("Offer", "offers")}>'
        f'<p class="price">{was}<ins><span{price}>{_money(product, product.price)}</span></ins></p>'
        f'<p class="stock {stock_class}">{esc(product.stock_text)}</p>{md.offer_hidden(product)}'
        f"</div>{_cart_form(product)}"
        f'<div class="product_meta"><span class="sku_wrapper">SKU: <span{md.prop("sku")}>'
        f'{esc(product.sku)}</span></span> <span class="posted_in">Category: '
        f'<a href="{category_path(product.category)}" rel="tag">'
        f"{esc(words.CATEGORIES[product.category][0])}</a></span></div></div>"
    )


def _storefront(product: Product, md: Microdata) -> str:
    """A hosted-storefront summary: vendor caption, 'Item #', sale/regular prices, instalments."""
    instalment = (product.price / 4).quantize(Decimal("0.01"))
    regular = (
        '<span class="visually-hidden">Regular price</span>'
        f'<s class="price-item price-item--regular">{_money(product, product.old_price)}</s>'
        if product.old_price
        else ""
    )
    on_sale = " price--on-sale" if product.old_price else ""
    button = "Add to cart" if product.in_stock else "Sold out"
    disabled = "" if product.in_stock else " disabled"
    return (
        '<div class="product__info-container">'
        f'<p class="product__text caption"{md.scope("Brand", "brand")}>'
        f"<span{md.prop('name')}>{esc(product.brand)}</span></p>"
        f'<h1 class="product__title"{md.prop("name")}>{esc(product.name)}</h1>'
        f'<p class="product__caption">Item # <span{md.prop("sku")}>{esc(product.sku)}</span></p>'
        f'<div class="price{on_sale}"{md.scope("Offer", "offers")}><div class="price__sale">'
        '<span class="visually-hidden">Sale price</span>'
        f'<span class="price-item price-item--sale"{md.prop("price", str(product.price))}>'
        f"{_money(product, product.price)}</span> {regular}</div>{md.offer_hidden(product)}</div>"
        f'<p class="installment">or 4 interest-free payments of {_money(product, instalment)} '
        "with <b>PayLater</b></p>"
        f'<p class="product__inventory">{esc(product.stock_text)}</p>'
        '<form class="product-form" action="/cart" method="post">'
        f'<button type="submit" name="add" class="product-form__submit"{disabled}>{button}</button>'
        "</form>"
        '<p class="product__tax caption">Tax included. Shipping calculated at checkout.</p></div>'
    )


def _catalog(product: Product, md: Microdata) -> str:
    """An enterprise-catalogue summary: 'Special Price' / 'Regular Price' boxes and an SKU block."""
    amount = f'data-price-amount="{product.price}"'
    current = (
        f'<span class="price-wrapper" {amount} data-price-type="finalPrice"'
        f"{md.prop('price', str(product.price))}>"
        f'<span class="price">{_money(product, product.price)}</span></span>'
    )
    if product.old_price:
        box = (
            '<span class="special-price"><span class="price-container">'
            f'<span class="price-label">Special Price</span> {current}</span></span> '
            '<span class="old-price"><span class="price-container">'
            '<span class="price-label">Regular Price</span> '
            '<span class="price-wrapper" data-price-type="oldPrice">'
            f'<span class="price">{_money(product, product.old_price)}</span></span></span></span>'
        )
    else:
        box = f'<span class="price-container">{current}</span>'
    stock_class = "available" if product.in_stock else "unavailable"
    return (
        '<div class="product-info-main"><div class="page-title-wrapper product">'
        f'<h1 class="page-title"><span class="base"{md.prop("name")}>{esc(product.name)}</span>'
        f"</h1></div>{_rating(product)}"
        f'<div class="product-info-price"{md.scope("Offer", "offers")}>'
        f'<div class="price-box price-final_price">{box}</div>{md.offer_hidden(product)}'
        f'<div class="stock {stock_class}" title="Availability"><span>{esc(product.stock_text)}'
        "</span></div></div>"
        '<div class="product attribute sku"><strong class="type">SKU</strong> '
        f'<div class="value"{md.prop("sku")}>{esc(product.sku)}</div></div>'
        f'<div class="box-tocart">{_cart_form(product, "Add to Cart")}</div></div>'
    )


def _table(product: Product, md: Microdata) -> str:
    """An old table-based shop: label/value rows for price, list price, shipping, availability."""
    colour = "green" if product.in_stock else "red"
    list_price = ""
    if product.old_price:
        was = _money(product, product.old_price)
        list_price = f"<tr><td>List price:</td><td><strike>{was}</strike></td></tr>"
    shipping = _money(product, Decimal("4.95"))
    return (
        f"<h1{md.prop('name')}>{esc(product.name)}</h1>"
        '<table class="details" cellpadding="4" cellspacing="0" border="0"><tbody>'
        f"<tr><td>Manufacturer:</td><td{md.scope('Brand', 'brand')}><span{md.prop('name')}>"
        f"{esc(product.brand)}</span></td></tr>"
        f"<tr><td>Item number:</td><td{md.prop('sku')}>{esc(product.sku)}</td></tr></tbody>"
        f"<tbody{md.scope('Offer', 'offers')}>{list_price}"
        f"<tr><td>Price:</td><td><b{md.prop('price', str(product.price))}>"
        f"{_money(product, product.price)}</b> <small>incl. VAT, plus "
        '<a href="/help/international-shipping.html">shipping</a></small></td></tr>'
        f"<tr><td>Shipping:</td><td>{shipping}</td></tr>"
        f'<tr><td>Availability:</td><td><font color="{colour}">{esc(product.stock_text)}</font>'
        f"{md.offer_hidden(product)}</td></tr></tbody></table>"
        f"{_cart_form(product, 'Add to basket')}"
    )


SUMMARIES = {"classic": _classic, "storefront": _storefront, "catalog": _catalog, "table": _table}


def _details(product: Product, md: Microdata) -> str:
    brand_prop = md.scope("Brand", "brand") if product.layout in ("classic", "catalog") else ""
    brand_name = md.prop("name") if brand_prop else ""
    gtin = (
        f"<tr><th>EAN</th><td{md.prop('gtin13')}>{product.gtin}</td></tr>" if product.gtin else ""
    )
    manual = (
        f'<p class="downloads"><a href="{product.manual_path}">Download the user manual (PDF, '
        "1 page)</a></p>"
        if product.has_manual
        else ""
    )
    return (
        '<div class="product-tabs"><ul class="tabs" role="tablist">'
        '<li><a href="#tab-description">Description</a></li>'
        '<li><a href="#tab-additional">Additional information</a></li>'
        f'<li><a href="#reviews">Reviews ({product.review_count})</a></li></ul>'
        '<div id="tab-description" class="panel"><h2>Description</h2>'
        f"<p{md.prop('description')}>{esc(product.description)}</p><ul>"
        f"<li>Material: {esc(product.material)}</li><li>Colour: {esc(product.colour)}</li>"
        f"<li>{product.warranty_years}-year warranty</li></ul>{manual}</div>"
        '<div id="tab-additional" class="panel"><h2>Additional information</h2>'
        '<table class="shop_attributes"><tbody>'
        f"<tr><th>Brand</th><td{brand_prop}><span{brand_name}>{esc(product.brand)}</span></td></tr>"
        f"<tr><th>Colour</th><td>{esc(product.colour)}</td></tr>"
        f"<tr><th>Material</th><td>{esc(product.material)}</td></tr>{gtin}"
        f"<tr><th>Warranty</th><td>{product.warranty_years} years</td></tr></tbody></table></div>"
        '<div id="reviews" class="panel"><h2>Reviews</h2>'
        f"<p>{product.review_count} reviews. Only customers who bought this product may leave "
        "a review.</p></div></div>"
    )


def product_card(product: Product, heading_tag: str = "h3") -> str:
    """A product tile as listings and 'related products' blocks show it."""
    was = (
        f"<del>{format_price(product.old_price, product.currency)}</del> "
        if product.old_price
        else ""
    )
    badge = "" if product.in_stock else '<span class="badge badge--sold-out">Sold out</span>'
    return (
        f'<li class="product-card"><a href="{product.path}" class="product-card__image">'
        f'<img src="{product.image}?w=300" alt="{esc(product.name)}" loading="lazy" width="300" '
        f'height="300"></a>{badge}<{heading_tag} class="product-card__title">'
        f'<a href="{product.path}">{esc(product.name)}</a></{heading_tag}>'
        f'<div class="product-card__price">{was}<span>'
        f"{format_price(product.price, product.currency)}</span></div></li>"
    )


def _related(products: list[Product], heading: str) -> str:
    cards = "".join(product_card(p, "h3") for p in products)
    return (
        f'<section class="related products"><h2>{heading}</h2><ul class="grid">{cards}</ul>'
        "</section>"
    )


def _jsonld(product: Product, base: str) -> str:
    # Variety seen in the wild: numeric or string prices, http or https availability URLs,
    # a bare Product or one inside a Yoast-style @graph.
    scheme = "http://schema.org/" if product.index % 4 == 0 else SCHEMA
    offer = {
        "@type": "Offer",
        "url": absolute(base, product.path),
        "priceCurrency": product.currency,
        "price": float(product.price) if product.index % 2 else str(product.price),
        "availability": f"{scheme}{product.availability}",
        "itemCondition": f"{SCHEMA}NewCondition",
        "priceValidUntil": "2026-12-31",
        "seller": {"@type": "Organization", "name": words.SHOP_NAME},
    }
    data = {
        "@type": "Product",
        "name": product.name,
        "image": [absolute(base, product.image)],
        "description": product.description,
        "sku": product.sku,
        "brand": {"@type": "Brand", "name": product.brand},
        "offers": offer,
    }
    if product.gtin:
        data["gtin13"] = product.gtin
    if product.review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating),
            "reviewCount": product.review_count,
        }
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": absolute(base, "/")},
            {
                "@type": "ListItem",
                "position": 2,
                "name": words.CATEGORIES[product.category][0],
                "item": absolute(base, category_path(product.category)),
            },
            {"@type": "ListItem", "position": 3, "name": product.name},
        ],
    }
    if product.index % 3 == 0:
        return json_ld({"@context": "https://schema.org", "@graph": [crumbs, data]})
    return json_ld({"@context": "https://schema.org/", **data}) + json_ld(
        {"@context": "https://schema.org", **crumbs}
    )


def _head(product: Product, base: str) -> str:
    if product.markup == "none":
        return ""
    tags = [
        ("og:type", "product" if product.markup == "jsonld" else "website"),
        ("og:title", product.name),
        ("og:url", absolute(base, product.path)),
        ("og:image", absolute(base, product.image)),
    ]
    if product.markup == "jsonld":
        tags += [
            ("product:price:amount", str(product.price)),
            ("product:price:currency", product.currency),
        ]
    meta = "".join(f'<meta property="{k}" content="{esc(v)}">' for k, v in tags)
    return meta + (_jsonld(product, base) if product.markup == "jsonld" else "")


def render_product(product: Product, shop: Catalogue, base: str) -> str:
    md = Microdata(product.markup == "microdata")
    category_name = words.CATEGORIES[product.category][0]
    crumbs = (
        '<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/">Home</a> › '
        f'<a href="{category_path(product.category)}">{esc(category_name)}</a> › '
        f"<span>{esc(product.name)}</span></nav>"
    )
    gallery = (
        '<div class="product-gallery">'
        f'<img{md.prop("image")} src="{product.image}" alt="{esc(product.name)}" width="600" '
        f'height="600"><div class="thumbnails"><img src="{product.image}?view=side" alt="" '
        f'width="80" height="80"><img src="{product.image}?view=detail" alt="" width="80" '
        'height="80"></div></div>'
    )
    body = (
        f'<div class="product"{md.scope("Product")}>{gallery}'
        f"{SUMMARIES[product.layout](product, md)}{_details(product, md)}</div>"
    )
    related = shop.related(product)
    if product.layout == "table":
        # Old shops put a best-seller column before the product in the source order.
        main = crumbs + _related(related, "Top sellers") + body
    else:
        heading = {"classic": "Related products", "storefront": "You may also like"}.get(
            product.layout, "Customers also bought"
        )
        main = crumbs + body + _related(related, heading)
    return page(
        product.name,
        f'<div class="product-page product-page--{product.layout}">{main}</div>',
        base=base,
        path=product.path,
        description=product.description,
        head=_head(product, base),
        body_class="single-product",
    )
