"""Non-HTML responses: robots.txt, the sitemap, images, PDF manuals, the stylesheet and script."""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape

from dataops_spiders.demo_site.content import articles, jobs
from dataops_spiders.demo_site.layout import absolute

DISALLOWED_PREFIXES = ("/private/", "/cart", "/search")


def robots_txt(base: str, crawl_delay: float) -> str:
    lines = ["# Robots rules for this shop", "User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in DISALLOWED_PREFIXES]
    if crawl_delay:
        lines.append(f"Crawl-delay: {crawl_delay:g}")
    lines += ["", f"Sitemap: {absolute(base, '/sitemap.xml')}", ""]
    return "\n".join(lines)


def sitemap_xml(base: str) -> str:
    """Every article and job posting, including the ones no page links to."""
    entries = [(a.path, (a.modified or a.published).isoformat()) for a in articles()]
    entries += [(j.path, j.posted.isoformat()) for j in jobs()]
    urls = "".join(
        f"<url><loc>{xml_escape(absolute(base, path))}</loc><lastmod>{day}</lastmod></url>\n"
        for path, day in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


@lru_cache(maxsize=4096)
def png_image(name: str, size: int = 32) -> bytes:
    """A small solid-colour PNG; the colour is derived from the name, so images differ."""
    red, green, blue = hashlib.sha256(name.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * size  # filter byte, then RGB pixels
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * size))
        + _png_chunk(b"IEND", b"")
    )


def pdf_document(title: str) -> bytes:
    """A one-page PDF with a title line, with a correct cross-reference table."""
    safe = title.encode("latin-1", "replace").replace(b"\\", b"\\\\")
    safe = safe.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 18 Tf 72 720 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


STYLESHEET = """\
:root{--ink:#1d2a2f;--accent:#2f6f5e;--muted:#6b7b80}
body{font-family:system-ui,sans-serif;color:var(--ink);margin:0}
.container{max-width:1200px;margin:0 auto;padding:0 16px}
.announcement-bar{background:var(--accent);color:#fff;text-align:center;padding:6px}
.site-header .menu{display:flex;gap:16px;list-style:none}
.grid,.products{display:grid;grid-template-columns:repeat(4,1fr);gap:24px;list-style:none}
.price del,.old-price .price,s.price-item{color:var(--muted);text-decoration:line-through}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#fff;padding:16px}
.visually-hidden,.screen-reader-text{position:absolute;clip:rect(0 0 0 0);width:1px;height:1px}
.site-footer{background:#f3f1ec;margin-top:48px;padding:32px 0}
"""

SCRIPT = """\
(function(){
  document.querySelectorAll('[data-consent]').forEach(function(button){
    button.addEventListener('click', function(){
      document.cookie = 'consent=' + button.dataset.consent + '; path=/; max-age=31536000';
      document.getElementById('cookie-consent').hidden = true;
    });
  });
})();
"""
