"""Word lists of the demo district: fictional providers and the course themes they offer.

Everything here is invented: provider names, streets, telephone numbers (the range 069 90009
is reserved for fiction) and e-mail addresses under the reserved `.example` domain.
"""
from __future__ import annotations

from dataclasses import dataclass

CC_BY = "http://dcat-ap.de/def/licenses/cc-by/4.0"
DL_ZERO = "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"


@dataclass(frozen=True)
class ProviderSpec:
    """A fictional provider: identity, home municipality, share of offers and its themes."""

    slug: str
    name: str
    type: str
    home: str  # AGS of the home municipality
    weight: float  # share of the demo's offers
    prefix: str  # of its angebot_ids
    venue: str  # how it names its rooms ("vhs-Haus", "Bürgerhaus" …)
    themes: tuple[str, ...]
    at_home: float = 0.7  # share of offers in the home municipality, the rest district-wide
    licence: str | None = None


@dataclass(frozen=True)
class Theme:
    """A family of similar courses; titles and descriptions are assembled from its words."""

    topic: str
    form: str
    phases: tuple[str, ...]
    audience: tuple[str, ...]
    audience_text: str
    subjects: tuple[str, ...]
    titles: tuple[str, ...]  # templates: {s} subject, {n} level label
    sentences: tuple[str, ...]  # templates: {s} subject
    keywords: tuple[str, ...]
    schedules: tuple[str, ...]
    modes: tuple[str, ...] = ("praesenz",)
    rate: tuple[float, float] = (3.0, 5.5)  # euros per teaching unit
    free: float = 0.0  # share of free offers
    on_request: float = 0.0  # share of "auf Anfrage"
    levels: tuple[str, ...] = ()
    ages: tuple[int, int] | None = None
    funding: tuple[str, ...] = ()
    credential: str = "teilnahmebescheinigung"
    credential_name: str | None = None
    examining_body: str | None = None
    kursnet: str | None = None
    ects: tuple[int, ...] = ()
    features: tuple[str, ...] = ()
    prerequisites: str | None = None


P = ProviderSpec
PROVIDERS: tuple[ProviderSpec, ...] = (
    P("kvhs-bergstrasse-demo", "Kreisvolkshochschule Bergstraße (Demo)", "vhs", "06431011", 0.20,
      "KV", "vhs-Haus", ("sprache", "deutsch", "gebaerde", "bewegung", "entspannung", "kochen",
                         "senioren_digital", "edv", "beratung", "grundbildung", "schulabschluss",
                         "kreativ", "gesellschaft", "eltern", "selbstlern"), at_home=0.15),
    P("vhs-im-ried-demo", "Volkshochschule im Ried (Demo)", "vhs", "06431013", 0.06, "VR",
      "Volksbildungshaus", ("sprache", "bewegung", "kochen", "edv", "kreativ", "gesellschaft",
                            "senioren_digital", "entspannung"), at_home=0.4),
    P("musikschule-weschnitztal", "Musikschule Weschnitztal e. V.", "musikschule", "06431017",
      0.05, "MW", "Musikschulhaus", ("instrument", "musik_klein", "ensemble"), at_home=0.5),
    P("riedklang", "Musik- und Kunstschule Riedklang", "musikschule", "06431005", 0.04, "RK",
      "Kunstschule Riedklang", ("instrument", "musik_klein", "ensemble", "kreativ")),
    P("fbs-sonnenhof", "Familienbildungsstätte Sonnenhof", "familienbildung", "06431002", 0.05,
      "FS", "Familienzentrum Sonnenhof", ("familie", "eltern", "kochen", "entspannung",
                                          "senioren_fit")),
    P("fbs-lindenhaus", "Familienbildungsstätte Lindenhaus", "familienbildung", "06431020",
      0.04, "FL", "Lindenhaus", ("familie", "eltern", "kita", "integration")),
    P("buecherinsel", "Stadtbücherei Bücherinsel (Demo)", "bibliothek", "06431011", 0.02, "BI",
      "Bücherinsel", ("bibliothek", "senioren_digital"), at_home=0.95),
    P("lesezeichen", "Gemeindebücherei Lesezeichen", "bibliothek", "06431016", 0.015, "LZ",
      "Bücherei Lesezeichen", ("bibliothek",), at_home=0.95),
    P("mediathek-kirschbluete", "Mediathek Kirschblüte", "bibliothek", "06431022", 0.015, "MK",
      "Mediathek", ("bibliothek", "senioren_digital"), at_home=0.95, licence=CC_BY),
    P("kleine-entdecker", "Kita-Verbund Kleine Entdecker gGmbH", "kita", "06431002", 0.03, "KE",
      "Kita Kleine Entdecker", ("kita", "fachkraefte", "familie")),
    P("sternschnuppe", "Kinderhaus Sternschnuppe e. V.", "kita", "06431021", 0.015, "SN",
      "Kinderhaus Sternschnuppe", ("kita", "musik_klein"), at_home=0.9),
    P("gs-bluetenweg", "Gesamtschule am Blütenweg (Demo)", "schule", "06431019", 0.02, "GB",
      "Gesamtschule am Blütenweg", ("schule", "ensemble"), at_home=0.95),
    P("gymnasium-sonnenberg", "Gymnasium am Sonnenberg (Demo)", "schule", "06431002", 0.02,
      "GS", "Gymnasium am Sonnenberg", ("schule", "ensemble", "natur"), at_home=0.9),
    P("grundschule-regenbogen", "Grundschule Regenbogen (Demo)", "schule", "06431006", 0.01,
      "GR", "Grundschule Regenbogen", ("schule", "sport_kinder"), at_home=0.95),
    P("bs-weschnitz", "Berufliche Schulen an der Weschnitz (Demo)", "berufliche_schule",
      "06431011", 0.03, "BW", "Berufsschulzentrum", ("berufsschule", "edv"), at_home=0.8),
    P("ihk-starkenburg-demo", "Bildungszentrum der IHK Starkenburg-Süd (Demo)", "kammer",
      "06431002", 0.04, "IHK", "IHK-Bildungszentrum", ("kammer", "beratung", "edv"),
      at_home=0.8, licence=DL_ZERO),
    P("hwk-starkenburg-demo", "Bildungsakademie der Handwerkskammer Starkenburg-Süd (Demo)",
      "kammer", "06431013", 0.03, "HWK", "Bildungsakademie", ("kammer", "beratung"), at_home=0.8),
    P("lernwerk", "Lernwerk Bergstraße GmbH", "privater_traeger", "06431002", 0.05, "LW",
      "Lernwerk", ("beruf", "edv", "deutsch", "beratung", "selbstlern")),
    P("digitalcampus-ried", "DigitalCampus Ried GmbH", "privater_traeger", "06431005", 0.03,
      "DC", "DigitalCampus", ("edv", "selbstlern", "beruf"), licence=CC_BY),
    P("polyglott", "Sprachinstitut Polyglott UG", "privater_traeger", "06431020", 0.03, "PG",
      "Sprachinstitut Polyglott", ("sprache", "deutsch"), at_home=0.8),
    P("kompetenzwerk", "Kompetenzwerk Arbeit & Zukunft gGmbH", "privater_traeger", "06431013",
      0.04, "KW", "Kompetenzwerk", ("beruf", "beratung", "deutsch", "grundbildung")),
    P("pflegeakademie-sonnenweg", "Pflegeakademie Sonnenweg GmbH", "privater_traeger",
      "06431011", 0.02, "PA", "Pflegeakademie", ("beruf", "fachkraefte"), at_home=0.9),
    P("weschnitzaue", "Naturschutzverein Weschnitzaue e. V.", "verein", "06431004", 0.015, "NW",
      "Naturschutzhaus", ("natur", "gesellschaft"), licence=DL_ZERO),
    P("tsv-blau-weiss", "TSV Blau-Weiß Odenwald (Demo) e. V.", "verein", "06431015", 0.025,
      "TSV", "Vereinsheim Blau-Weiß", ("sport_kinder", "sport_erwachsene", "bewegung",
                                       "senioren_fit")),
    P("senioren-aktiv", "Förderverein Senioren aktiv e. V.", "verein", "06431003", 0.015, "SA",
      "Seniorentreff", ("senioren_fit", "senioren_digital")),
    P("obstwiesen", "Geschichts- und Heimatverein Obstwiesen e. V.", "verein", "06431014", 0.01,
      "GH", "Heimatmuseum", ("gesellschaft", "natur")),
    P("bruecken", "Integrationsnetz Brücken e. V.", "verein", "06431020", 0.02, "IB",
      "Begegnungsstätte Brücken", ("integration", "deutsch", "grundbildung")),
    P("nachbarschaft-neckartal", "Repair-Café und Nachbarschaftshilfe Neckartal e. V.", "verein",
      "06431012", 0.01, "NN", "Nachbarschaftstreff", ("gesellschaft", "integration")),
    P("th-neckar-bergstrasse", "Technische Hochschule Neckar-Bergstraße (Demo)", "hochschule",
      "06431002", 0.03, "TH", "Studienzentrum", ("hochschule", "kinderuni"), at_home=0.9,
      licence=CC_BY),
    P("bildungswerk-ehrenamt", "Bildungswerk Ehrenamt und Gesellschaft", "bildungswerk_verband",
      "06431016", 0.02, "BE", "Bildungswerk", ("gesellschaft", "fachkraefte", "eltern")),
    P("jugendbildungswerk-demo", "Kommunales Jugendbildungswerk (Demo)", "kommune", "06431011",
      0.015, "JB", "Jugendhaus", ("schule", "ensemble", "natur", "sport_kinder"), at_home=0.3),
)

# Where providers meet away from their own house.
GUEST_VENUES = ("Bürgerhaus", "Dorfgemeinschaftshaus", "Gemeindezentrum", "Mehrgenerationenhaus",
                "Ratssaal", "Sporthalle", "Schulmensa", "Altes Schulhaus",
                "Kulturscheune", "Evangelisches Gemeindehaus", "Pfarrzentrum", "Jugendzentrum")

# Invented street names (streets of the demo district exist nowhere).
STREETS = ("Bildungsgasse", "Lerngasse", "Am Wissensquell", "Kursweg", "Notenweg",
           "Büchergasse", "Am Lesegarten", "Pinselstraße", "Kreideweg", "Am Tintenfass",
           "Federkielweg", "Globusstraße", "Zirkelweg", "Rechenschieberweg", "Tafelstraße",
           "Am Notenpult", "Griffelgasse", "Atlasweg", "Fibelstraße", "Am Schulgarten",
           "Kompassweg", "Lineal-Allee", "Am Sprachbrunnen", "Stimmgabelweg", "Palettenweg")

PRICE_NOTES = ("zzgl. Materialkosten", "inkl. Skript", "zzgl. 15 € Lehrbuch",
               "Lebensmittelumlage wird im Kurs bezahlt", "Ratenzahlung möglich",
               "inkl. Prüfungsgebühr", "Geschwisterermäßigung auf Anfrage")
REDUCED_NOTES = ("Ermäßigung für Schülerinnen, Schüler, Studierende und Inhaber der Ehrenamtskarte",
                 "Ermäßigt mit Familienpass oder Bergstraße-Pass",
                 "Mitglieder zahlen den ermäßigten Preis")
SCHEDULE_NOTES = ("nicht in den hessischen Schulferien", "nicht am 3. Oktober",
                  "Ersatztermin wird im Kurs vereinbart", "nicht an Feiertagen",
                  "Termine nach Absprache", "jeweils mit 15 Minuten Pause")
