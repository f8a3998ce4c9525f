"""Re-point the seed's four person-partner formats to the state or organisation the person represents.

The article names Trump, Putin, Xi and von der Leyen as the leaders the five presidents met; the real
formats are C5+1 (United States), China–Central Asia, Central Asia–Russia and EU–Central Asia. The
format keeps its row (and so its citations); the person becomes the partner's representative at the
summit (the participant row of the person becomes the partner's row, represented_by the person).
Adds the European Union (an organisation) when missing. A database without the seed is left alone.
"""
from django.db import migrations

# person slug → (partner slug, new format slug, English name, Russian name)
FORMATS = {
    "donald-trump": ("united-states", "c5-plus-1", "C5+1 (Central Asia + United States)", "С5+1 (Центральная Азия + США)"),
    "vladimir-putin": ("russia", "central-asia-russia", "Central Asia – Russia", "Россия – Центральная Азия"),
    "xi-jinping": ("china", "china-central-asia", "China – Central Asia", "Китай – Центральная Азия"),
    "ursula-von-der-leyen": ("european-union", "eu-central-asia", "EU – Central Asia", "ЕС – Центральная Азия"),
}
OLD_SLUGS = {person: f"central-asia-with-{person}" for person in FORMATS}
# The article's summits are named for their format and ordinal, like central-asia-plus-japan-1
# (ordinals from the public sources cited in fixtures/seed/14_c5x_citations.json).
SUMMIT_SLUGS = {
    "central-asia-with-donald-trump": "c5-plus-1-2",
    "central-asia-with-vladimir-putin": "central-asia-russia-2",
    "central-asia-with-xi-jinping": "china-central-asia-2",
    "central-asia-with-ursula-von-der-leyen": "eu-central-asia-1",
}


def forwards(apps, schema_editor):
    Actor = apps.get_model("actors", "Actor")
    SummitFormat = apps.get_model("summits", "SummitFormat")
    SummitParticipant = apps.get_model("summits", "SummitParticipant")
    Summit = apps.get_model("summits", "Summit")
    formats = SummitFormat.objects.filter(partner__slug__in=FORMATS, partner__kind="person").select_related("partner")
    if not formats.exists():
        return
    Actor.objects.get_or_create(
        slug="european-union",
        defaults={"kind": "organisation", "name_en": "European Union", "name_ru": "Европейский союз"},
    )
    for summit_format in formats:
        person = summit_format.partner
        partner_slug, slug, name_en, name_ru = FORMATS[person.slug]
        partner = Actor.objects.get(slug=partner_slug)
        summit_format.partner = partner
        summit_format.slug, summit_format.name_en, summit_format.name_ru = slug, name_en, name_ru
        summit_format.save()
        SummitParticipant.objects.filter(summit__format=summit_format, actor=person).update(
            actor=partner, represented_by=person
        )
        for old, new in SUMMIT_SLUGS.items():
            Summit.objects.filter(slug=old, format=summit_format).update(slug=new)


def backwards(apps, schema_editor):
    Actor = apps.get_model("actors", "Actor")
    SummitFormat = apps.get_model("summits", "SummitFormat")
    SummitParticipant = apps.get_model("summits", "SummitParticipant")
    Summit = apps.get_model("summits", "Summit")
    for old, new in SUMMIT_SLUGS.items():
        Summit.objects.filter(slug=new).update(slug=old)
    for person_slug, (partner_slug, slug, _en, _ru) in FORMATS.items():
        summit_format = SummitFormat.objects.filter(slug=slug).first()
        person = Actor.objects.filter(slug=person_slug).first()
        if summit_format is None or person is None:
            continue
        SummitParticipant.objects.filter(summit__format=summit_format, represented_by=person).update(
            actor=person, represented_by=None
        )
        summit_format.partner = person
        summit_format.slug = OLD_SLUGS[person_slug]
        summit_format.save()


class Migration(migrations.Migration):
    dependencies = [
        ("summits", "0003_partner_kinds_summit_end_date_document_kinds"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
