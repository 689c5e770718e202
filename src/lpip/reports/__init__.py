"""Reports: area profiles, sub-regional data packs, PDFs and the static evidence atlas site.

``spine`` draws the Fingertips-style spine chart, ``profile`` gathers an area's profile,
``datapack`` a sub-region's data pack, ``pdf`` turns HTML into A4 PDFs with WeasyPrint and
``atlas`` writes the whole static site. Templates live in ``templates/``, CSS and the
search script in ``assets/``.
"""
