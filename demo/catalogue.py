"""The demo catalogue: a small, believable archive for a fresh database.

Two retreat groups, three gatherings (one public, one for members of its group, one draft for
premium subscribers, so the access rule shows in the app and the admin), sessions split into
mornings, afternoons and parts, English talks with Portuguese translation tracks, PDF
transcripts, an admin and three listeners with a few weeks of listening (so the staff
dashboard draws every chart).

Audio and PDFs are generated here at setup time (nothing binary is committed): a few seconds
of tone per talk through ffmpeg (MP3), or Python's ``wave`` module when ffmpeg is missing,
and PDFs written with fpdf2 whose page text is also stored as ``TranscriptPage`` rows. Files go
through the default storage, so the same code fills ``var/media`` or an S3 bucket.

Loading is idempotent: rows are looked up by their natural keys (slugs, abbreviations,
emails, order numbers, listening event ids) and never modified once they exist, so staff
edits survive a rerun; only a file missing from storage is written again, and listening for the
days since the last run is added.
"""

import datetime
import functools
import hashlib
import math
import random
import struct
import subprocess
import tempfile
import wave
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import mutagen
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from accounts.models import GroupMembership, User
from accounts.services import user_create_verified
from media import storage as media_storage
from media.models import DownloadBundle
from progress.models import ListeningSession, TrackProgress
from retreats.models import (
    Attendance,
    Audience,
    Place,
    Retreat,
    RetreatGroup,
    Session,
    Tag,
    Teacher,
    Track,
    TrackSpeaker,
    Transcript,
    TranscriptPage,
)
from retreats.services import access_grant
from subscriptions.models import Plan
from subscriptions.services import grant as subscription_grant
from subscriptions.services import record_manual_payment as subscription_record_cash

ADMIN_EMAIL = "admin@padmakara.local"
DEMO_PASSWORD = "padmakara-demo"

MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]  # fmt: skip
MONTHS_PT = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
             "novembro", "dezembro"]  # fmt: skip

TEACHERS = [
    {"abbreviation": "JKR", "name": "Jigme Khyentse Rinpoche", "aliases": "",
     "bio": "Teacher of the Nyingma tradition, who has guided the community's retreats since their beginning."},
    {"abbreviation": "KPS", "name": "Khenpo Pema Sherab", "aliases": "",
     "bio": "Scholar and khenpo, who teaches the classical texts in the autumn gatherings."},
    {"abbreviation": "PWR", "name": "Pema Wangyal Rinpoche", "aliases": "TPWR",
     "bio": "Also listed as Taklung Tsetrul Pema Wangyal Rinpoche (TPWR) in older recordings."},
]  # fmt: skip

PLACES = [
    {"abbreviation": "HSA", "name": "Herdade de Santo António", "location": "Alentejo, Portugal"},
    {"abbreviation": "CCA", "name": "Centro de Chanteloube", "location": "Dordogne, France"},
    {"abbreviation": "ZOOM", "name": "Online (Zoom)", "location": ""},
]

TAGS = {
    "mind-training": ("Mind training", "Treino da mente"),
    "compassion": ("Compassion", "Compaixão"),
    "meditation": ("Meditation", "Meditação"),
    "patience": ("Patience", "Paciência"),
    "bodhicitta": ("Bodhicitta", "Bodhicitta"),
    "refuge": ("Refuge", "Refúgio"),
}

GROUPS = [
    {"slug": "mind-training-series", "order": 1,
     "name": "Mind Training Series", "name_pt": "Série Treino da Mente",
     "description": "Gatherings on the Seven Points of Mind Training, the lojong teachings that turn "
                    "everyday difficulties into the path.",
     "description_pt": "Encontros sobre os Sete Pontos do Treino da Mente, os ensinamentos lojong que "
                       "transformam as dificuldades do dia a dia em caminho."},
    {"slug": "way-of-the-bodhisattva", "order": 2,
     "name": "The Way of the Bodhisattva", "name_pt": "O Caminho do Bodhisattva",
     "description": "A study of Shantideva's Bodhicharyavatara, chapter by chapter, over several years.",
     "description_pt": "Um estudo do Bodhicharyavatara de Shantideva, capítulo a capítulo, ao longo de "
                       "vários anos."},
]  # fmt: skip

# Each theme: talk titles (en, pt) and paragraphs of transcript text (en, pt). The PDFs use
# core fonts, so the text must stay within Latin-1.
THEMES = {
    "lojong": {
        "tags": ["mind-training", "compassion"],
        "titles": [
            ("The preliminaries: a precious human life", "As preliminares: uma preciosa vida humana"),
            ("Impermanence and the urgency of practice", "A impermanência e a urgência da prática"),
            ("Training in relative bodhicitta", "O treino na bodhicitta relativa"),
            ("Sending and taking (tonglen)", "Dar e receber (tonglen)"),
            ("Turning adversity into the path", "Transformar a adversidade em caminho"),
            ("Drive all blames into one", "Atribuir todas as culpas a um só"),
            ("The measure of a trained mind", "A medida de uma mente treinada"),
            ("The commitments and precepts", "Os compromissos e os preceitos"),
        ],
        "en": [
            "The teaching began with the first of the seven points, the preliminaries. We reflect on the "
            "rare opportunity of this human life, free and well favoured, and on how easily it is lost. "
            "Without this reflection, practice remains an interest among many; with it, practice becomes "
            "the one thing that matters.",
            "Mind training is not a technique to make life pleasant. It uses whatever happens, pleasant or "
            "painful, to weaken the habit of cherishing ourselves above others. When difficulties come we "
            "do not ask how to escape them but how to use them, and in that question the path opens.",
            "In the practice of sending and taking we breathe in the suffering of others as dark smoke and "
            "breathe out our happiness and merit as clear light. At first it may feel artificial. Done "
            "patiently, it loosens the knot of self-concern and makes room for genuine compassion.",
            "Drive all blames into one: the real cause of our troubles is self-clinging, not the person "
            "who offends us. This is not a way of blaming ourselves harshly; it is a way of seeing where "
            "the work is to be done, gently and with a sense of humour.",
            "Of the two witnesses, hold the principal one. Others may praise or criticise us, but only we "
            "know whether our mind has become softer and more open. The sign of a trained mind is that it "
            "remains at ease even when conditions are unfavourable.",
        ],
        "pt": [
            "O ensinamento começou pelo primeiro dos sete pontos, as preliminares. Refletimos sobre a rara "
            "oportunidade desta vida humana, livre e favorecida, e sobre a facilidade com que se perde. Sem "
            "esta reflexão, a prática é um interesse entre muitos; com ela, torna-se o que realmente importa.",
            "O treino da mente não é uma técnica para tornar a vida agradável. Usa tudo o que acontece, "
            "agradável ou doloroso, para enfraquecer o hábito de nos estimarmos acima dos outros. Quando "
            "surgem dificuldades, não perguntamos como fugir delas mas como usá-las.",
            "Na prática de dar e receber inspiramos o sofrimento dos outros como fumo escuro e expiramos a "
            "nossa felicidade e mérito como luz clara. No início pode parecer artificial. Feita com "
            "paciência, desfaz o nó da preocupação connosco e abre espaço para a compaixão genuína.",
            "Atribuir todas as culpas a um só: a verdadeira causa dos nossos problemas é o apego ao eu, não "
            "a pessoa que nos ofende. Não se trata de nos culparmos com dureza, mas de ver onde está o "
            "trabalho a fazer, com delicadeza e sentido de humor.",
            "Das duas testemunhas, confia na principal. Os outros podem elogiar-nos ou criticar-nos, mas só "
            "nós sabemos se a mente se tornou mais suave e aberta. O sinal de uma mente treinada é que "
            "permanece tranquila mesmo quando as condições são desfavoráveis.",
        ],
    },
    "bodhicharyavatara": {
        "tags": ["patience", "bodhicitta"],
        "titles": [
            ("Chapter six: the fault of anger", "Capítulo seis: o defeito da raiva"),
            ("Chapter six: patience with those who harm us", "Capítulo seis: paciência com quem nos faz mal"),
            ("Chapter five: guarding the mind", "Capítulo cinco: guardar a mente"),
            ("Chapter five: mindfulness and vigilance", "Capítulo cinco: atenção e vigilância"),
            ("Questions and answers", "Perguntas e respostas"),
            ("Dedication of merit", "Dedicação do mérito"),
        ],
        "en": [
            "Shantideva opens the chapter on patience by saying that a single moment of anger can destroy "
            "the merit gathered over many ages. The point is not to frighten us but to show how much is at "
            "stake in the way we meet irritation, which arises many times each day.",
            "If something can be remedied, why be upset about it? And if it cannot be remedied, what use is "
            "being upset? This simple verse was examined at length, with examples from family life, work "
            "and the small frustrations of a retreat.",
            "The one who harms us is driven by their own afflictions, as a stick is driven by the hand that "
            "holds it. Seeing this, anger loses its target, and what remains is the wish that they too be "
            "free from the causes of suffering.",
            "In the fifth chapter the mind is compared to a wild elephant. Bound with the rope of "
            "mindfulness to the pillar of virtue, it can no longer do harm. Vigilance is the watchman who "
            "checks, again and again, what the mind is doing.",
            "Khenpo explained the words of the root text and the commentary side by side, then left time "
            "for questions: how to practise patience without becoming passive, and how to keep mindfulness "
            "alive outside the shrine room.",
        ],
        "pt": [
            "Shantideva abre o capítulo sobre a paciência dizendo que um único momento de raiva pode destruir "
            "o mérito acumulado ao longo de muitas eras. Não se trata de nos assustar, mas de mostrar o que "
            "está em jogo na forma como enfrentamos a irritação.",
            "Se uma coisa tem remédio, porquê ficar perturbado? E se não tem remédio, de que serve ficar "
            "perturbado? Este verso simples foi examinado longamente, com exemplos da vida familiar, do "
            "trabalho e das pequenas frustrações de um retiro.",
            "Quem nos faz mal é movido pelas suas próprias aflições, como um pau é movido pela mão que o "
            "segura. Vendo isto, a raiva perde o alvo, e o que fica é o desejo de que também essa pessoa se "
            "liberte das causas do sofrimento.",
            "No quinto capítulo a mente é comparada a um elefante selvagem. Atada com a corda da atenção ao "
            "pilar da virtude, já não pode causar dano. A vigilância é o guarda que verifica, uma e outra "
            "vez, o que a mente está a fazer.",
            "O Khenpo explicou as palavras do texto raiz e do comentário lado a lado, e deixou tempo para "
            "perguntas: como praticar a paciência sem nos tornarmos passivos, e como manter a atenção viva "
            "fora da sala de prática.",
        ],
    },
    "four-thoughts": {
        "tags": ["refuge", "meditation"],
        "titles": [
            ("The four thoughts that turn the mind", "Os quatro pensamentos que transformam a mente"),
            ("Karma, cause and effect", "O karma, causa e efeito"),
            ("The defects of samsara", "Os defeitos do samsara"),
            ("Taking refuge", "Tomar refúgio"),
        ],
        "en": [
            "The four thoughts are the precious human existence, impermanence, karma and the defects of "
            "samsara. They are called the ordinary preliminaries, but there is nothing ordinary about them: "
            "they are what turns the mind away from distraction and towards the Dharma.",
            "Reflecting on karma is not a matter of belief alone. We look at our own experience and see how "
            "habits grow from repeated actions, and how a moment of kindness or of harshness shapes the "
            "moments that follow.",
            "Seeing the defects of samsara clearly is what gives rise to renunciation, which is not a "
            "rejection of the world but a loosening of our hope that it will ever be entirely satisfying.",
            "Refuge is the entrance to the path. We take refuge in the Buddha as the guide, the Dharma as "
            "the path and the Sangha as companions, and above all in the awakened nature that is already "
            "present in each of us.",
        ],
        "pt": [
            "Os quatro pensamentos são a preciosa existência humana, a impermanência, o karma e os defeitos "
            "do samsara. Chamam-se preliminares comuns, mas nada têm de comum: são eles que afastam a mente "
            "da distração e a voltam para o Dharma.",
            "Refletir sobre o karma não é apenas uma questão de crença. Olhamos para a nossa experiência e "
            "vemos como os hábitos crescem de ações repetidas, e como um momento de bondade ou de dureza "
            "molda os momentos seguintes.",
            "Ver claramente os defeitos do samsara faz nascer a renúncia, que não é uma rejeição do mundo "
            "mas um afrouxar da esperança de que ele alguma vez seja inteiramente satisfatório.",
            "O refúgio é a entrada no caminho. Tomamos refúgio no Buda como guia, no Dharma como caminho e "
            "na Sangha como companheiros, e sobretudo na natureza desperta que já está presente em cada um.",
        ],
    },
}

# Sessions as (day offset from the start date, type, part number).
GATHERINGS = [
    {"slug": "spring-gathering-2024", "groups": ["mind-training-series"], "theme": "lojong",
     "name": "Spring Gathering 2024", "name_pt": "Encontro da Primavera 2024",
     "description": "Three days on the Seven Points of Mind Training, with teachings in the mornings "
                    "and guided practice in the afternoons.",
     "description_pt": "Três dias sobre os Sete Pontos do Treino da Mente, com ensinamentos de manhã e "
                       "prática guiada à tarde.",
     "start": datetime.date(2024, 4, 12), "end": datetime.date(2024, 4, 14),
     "teachers": ["JKR", "PWR"], "places": ["HSA"],
     "status": Retreat.Status.PUBLISHED, "audience": Audience.FREE_ANYONE, "required_plan": "basic",
     "sessions": [(0, "morning", None), (0, "afternoon", None), (1, "morning", 1), (1, "morning", 2)]},
    {"slug": "autumn-gathering-2024", "groups": ["way-of-the-bodhisattva"], "theme": "bodhicharyavatara",
     "name": "Autumn Gathering 2024", "name_pt": "Encontro de Outono 2024",
     "description": "The chapters on vigilance and patience of the Bodhicharyavatara, for members of "
                    "the study group.",
     "description_pt": "Os capítulos sobre a vigilância e a paciência do Bodhicharyavatara, para os "
                       "membros do grupo de estudo.",
     "start": datetime.date(2024, 10, 18), "end": datetime.date(2024, 10, 20),
     "teachers": ["KPS"], "places": ["CCA"],
     "status": Retreat.Status.PUBLISHED, "audience": Audience.GROUP_MEMBERS, "required_plan": "basic",
     "sessions": [(0, "morning", None), (0, "afternoon", None), (1, "morning", None)]},
    {"slug": "spring-gathering-2025", "groups": ["mind-training-series", "way-of-the-bodhisattva"],
     "theme": "four-thoughts",
     "name": "Spring Gathering 2025", "name_pt": "Encontro da Primavera 2025",
     "description": "An online weekend on the four thoughts that turn the mind, available on request. "
                    "Still a draft: publish it from the admin to see it appear in the app.",
     "description_pt": "Um fim de semana online sobre os quatro pensamentos que transformam a mente, "
                       "disponível a pedido.",
     "start": datetime.date(2025, 5, 2), "end": datetime.date(2025, 5, 4),
     "teachers": ["JKR", "KPS"], "places": ["ZOOM"],
     "status": Retreat.Status.DRAFT, "audience": Audience.ON_REQUEST, "required_plan": "basic",
     "sessions": [(0, "morning", None), (0, "afternoon", None)]},
]  # fmt: skip

TRACKS_PER_SESSION = 2

LISTENERS = [
    # Member of the study group who attended the autumn gathering: plays it without a
    # subscription (attendance opens a group-members gathering); hears translations too.
    {"email": "listener@padmakara.local", "name": "Ana Listener", "language": "en", "content_language": "en-pt",
     "groups": ["way-of-the-bodhisattva"], "subscription": None, "attended": ["autumn-gathering-2024"],
     "granted": [],
     "joined_days_ago": 44, "plays": ["spring-gathering-2024", "autumn-gathering-2024"], "keenness": 0.7},
    # No group, no subscription: sees the group-members gathering locked (subscription_required).
    {"email": "guest@padmakara.local", "name": "Bruno Guest", "language": "pt", "content_language": "en",
     "groups": [], "subscription": None, "attended": [], "granted": [],
     "joined_days_ago": 30, "plays": ["spring-gathering-2024"], "keenness": 0.35},
    # Premium subscriber in no group: the group-members gathering is locked (membership_required);
    # staff granted her the on-request gathering, which she plays once staff publish it.
    {"email": "subscriber@padmakara.local", "name": "Carla Subscriber", "language": "pt",
     "content_language": "en-pt", "groups": [], "subscription": "premium", "attended": [],
     "granted": ["spring-gathering-2025"],
     "joined_days_ago": 12, "plays": ["spring-gathering-2024"], "keenness": 0.5},
]  # fmt: skip

# Listening by the demo listeners over the last weeks, so that the staff dashboard has
# something to draw. The demo audio is a few seconds of tone standing in for a talk, so the
# time listened is a talk's (minutes), not the tone's.
LISTENING_DAYS = 42

# Offline bundles the listeners made in those weeks, long expired (and one that failed): they
# are never served, only counted by the dashboard. (days ago, status, error)
BUNDLES = [
    (27, "expired", ""), (22, "expired", ""), (16, "failed", "Demonstration: no space left on device."),
    (9, "expired", ""), (3, "expired", ""),
]  # fmt: skip


@dataclass
class DemoReport:
    created: Counter = field(default_factory=Counter)
    audio_format: str = ""
    new_accounts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values())


# --- Files ------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tone_mp3(path: Path, *, ffmpeg: str, frequency: int, seconds: float, title: str, artist: str) -> None:
    fade_out = max(seconds - 0.6, 0)
    subprocess.run(
        [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
         "-af", f"afade=t=in:d=0.3,afade=t=out:st={fade_out}:d=0.6,volume=0.3",
         "-ac", "1", "-ar", "22050", "-c:a", "libmp3lame", "-b:a", "48k",
         "-metadata", f"title={title}", "-metadata", f"artist={artist}", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip


def _tone_wav(path: Path, *, frequency: int, seconds: float) -> None:
    """Fallback without ffmpeg: 16-bit mono PCM written by the standard library."""
    rate = 22050
    frames = int(rate * seconds)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * frequency * i / rate))) for i in range(frames))
        )


@functools.cache
def render_tone(*, ffmpeg: str | None, frequency: int, seconds: float, title: str, artist: str) -> tuple[bytes, float]:
    """A short tone as MP3 (or WAV without ffmpeg) and its duration. The same inputs give the
    same file, so it is made once per process (the test suite loads the demo many times)."""
    with tempfile.TemporaryDirectory(prefix="padmakara-demo-") as workdir:
        path = Path(workdir) / f"tone.{'mp3' if ffmpeg else 'wav'}"
        if ffmpeg:
            _tone_mp3(path, ffmpeg=ffmpeg, frequency=frequency, seconds=seconds, title=title, artist=artist)
        else:
            _tone_wav(path, frequency=frequency, seconds=seconds)
        return path.read_bytes(), _audio_duration(path)


def _audio_duration(path: Path) -> float:
    info = mutagen.File(str(path))
    if info is None or not info.info.length:
        raise ValueError(f"could not read the duration of {path.name}")
    return round(float(info.info.length), 3)


def _save(name: str, data: bytes) -> str:
    # Demo keys are fixed per track, so a rerun after a failed load replaces its own file
    # instead of leaving a renamed copy behind.
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def _file_present(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def _transcript_pdf(*, title: str, pages: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("Padmakara demo")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 20, 20)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


# --- Rows -------------------------------------------------------------------------------


def _day_name(day: datetime.date, kind: str, part: int | None) -> tuple[str, str]:
    en = f"{day.day} {MONTHS_EN[day.month - 1]}, {kind}"
    pt = f"{day.day} de {MONTHS_PT[day.month - 1]}, {'manhã' if kind == 'morning' else 'tarde'}"
    if part:
        en, pt = f"{en}, part {part}", f"{pt}, parte {part}"
    return en, pt


def _transcript_pages(*, theme: dict, language: str, index: int, header: str) -> list[str]:
    paragraphs = theme[language]
    picked = [paragraphs[(index + k) % len(paragraphs)] for k in range(3)]
    return [f"{header}\n\n{picked[0]}", picked[1], picked[2]]


class DemoLoader:
    """One run of the loader; counts what it creates in ``report``."""

    def __init__(self, *, ffmpeg: str | None, admin_password: str, listener_password: str):
        self.ffmpeg = ffmpeg
        self.admin_password = admin_password
        self.listener_password = listener_password
        self.report = DemoReport(audio_format="mp3" if ffmpeg else "wav")
        self.audio_jobs: list[tuple[Track, dict]] = []

    def run(self) -> DemoReport:
        self._catalogue()
        self._audio_files()
        self._people()
        self._listening()
        self._bundles()
        return self.report

    def _get_or_create(self, model, counter: str, defaults: dict | None = None, **lookup):
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        self.report.created[counter] += int(created)
        return obj, created

    def _catalogue(self) -> None:
        teachers = {
            t["abbreviation"]: self._get_or_create(Teacher, "teachers", defaults=t, abbreviation=t["abbreviation"])[0]
            for t in TEACHERS
        }
        places = {
            p["abbreviation"]: self._get_or_create(Place, "places", defaults=p, abbreviation=p["abbreviation"])[0]
            for p in PLACES
        }
        self.tags = {
            slug: self._get_or_create(Tag, "tags", defaults={"name": en, "name_pt": pt}, slug=slug)[0]
            for slug, (en, pt) in TAGS.items()
        }
        self.groups = {
            g["slug"]: self._get_or_create(RetreatGroup, "groups", defaults=g, slug=g["slug"])[0] for g in GROUPS
        }
        self.gatherings: dict[str, Retreat] = {}
        for spec in GATHERINGS:
            fields = {k: spec[k] for k in ("name", "name_pt", "description", "description_pt")}
            retreat, created = self._get_or_create(
                Retreat,
                "gatherings",
                defaults={
                    **fields,
                    "start_date": spec["start"],
                    "end_date": spec["end"],
                    "status": spec["status"],
                    "required_plan": spec["required_plan"],
                    "audience_id": spec["audience"],
                },
                slug=spec["slug"],
            )
            self.gatherings[spec["slug"]] = retreat
            if created:
                retreat.groups.set([self.groups[slug] for slug in spec["groups"]])
                retreat.teachers.set([teachers[abbr] for abbr in spec["teachers"]])
                retreat.places.set([places[abbr] for abbr in spec["places"]])
            self._sessions(retreat, spec, teachers, places[spec["places"][0]])

    def _sessions(self, retreat: Retreat, spec: dict, teachers: dict, place: Place) -> None:
        theme = THEMES[spec["theme"]]
        number = 0  # talks are numbered through the gathering, as in the archive's file names
        for order, (offset, kind, part) in enumerate(spec["sessions"], start=1):
            day = spec["start"] + datetime.timedelta(days=offset)
            name, name_pt = _day_name(day, kind, part)
            session, _ = self._get_or_create(
                Session,
                "sessions",
                defaults={"name": name, "name_pt": name_pt, "type": kind, "date": day, "part_number": part},
                retreat=retreat,
                order=order,
            )
            speaker = teachers[spec["teachers"][(order - 1) % len(spec["teachers"])]]
            for _ in range(TRACKS_PER_SESSION):
                number += 1
                title_en, title_pt = theme["titles"][(number - 1) % len(theme["titles"])]
                context = {"theme": theme, "speaker": speaker, "day": day, "place": place, "index": number - 1}
                original = self._track(session, number, "en", title_en, None, **context)
                self._track(session, number, "pt", title_pt, original, **context)

    def _track(self, session, number, language, title, original, *, theme, speaker, day, place, index) -> Track:
        track, created = self._get_or_create(
            Track,
            "tracks",
            defaults={
                "title": title,
                "description": f"{speaker.name}, {place.name}, {day.isoformat()}.",
                "original": original,
            },
            session=session,
            language=language,
            order=number,
        )
        if created:
            track.tags.set([self.tags[slug] for slug in theme["tags"]])
            TrackSpeaker.objects.create(track=track, teacher=speaker, position=0)
        if not _file_present(track.audio_file.name):
            self.audio_jobs.append(
                (track, self._tone_spec(track, title=title, artist=speaker.abbreviation, index=index))
            )
        header = f"{title}\n{speaker.name} ({speaker.abbreviation}), {place.name}, {day.isoformat()}\n" + (
            "Transcrição de demonstração." if language == "pt" else "Demonstration transcript."
        )
        # Every English talk has a transcript, only every other translation does: the app
        # shows both cases.
        if language == "en" or number % 2:
            pages = _transcript_pages(theme=theme, language=language, index=index, header=header)
            self._transcript(track, title=title, pages=pages)
        return track

    def _tone_spec(self, track: Track, *, title: str, artist: str, index: int) -> dict:
        return {
            "ffmpeg": self.ffmpeg,
            "frequency": 220 + 55 * (index % 6) + (30 if track.language == "pt" else 0),
            "seconds": 3 + index % 3,
            "title": title,
            "artist": artist,
        }

    def _audio_files(self) -> None:
        # ffmpeg runs in parallel (each call is mostly process start-up); rows are saved in order.
        with ThreadPoolExecutor(max_workers=4) as pool:
            rendered = list(pool.map(lambda job: render_tone(**job[1]), self.audio_jobs))
        for (track, _), (data, duration) in zip(self.audio_jobs, rendered, strict=True):
            self._store_audio(track, data=data, duration=duration)

    def _store_audio(self, track: Track, *, data: bytes, duration: float) -> None:
        # The same stable key as an upload from the admin would get.
        name = _save(media_storage.track_audio_key(track, f"demo.{self.report.audio_format}"), data)
        track.audio_file.name = name
        track.duration = duration
        track.file_size = len(data)
        track.checksum = _sha256(data)
        track.processing_status = Track.ProcessingStatus.READY
        track.processing_error = ""
        track.save(
            update_fields=["audio_file", "duration", "file_size", "checksum", "processing_status",
                           "processing_error", "updated_at"]
        )  # fmt: skip
        self.report.created["audio files"] += 1

    def _transcript(self, track: Track, *, title: str, pages: list[str]) -> None:
        transcript, created = self._get_or_create(Transcript, "transcripts", track=track, language=track.language)
        if created:
            TranscriptPage.objects.bulk_create(
                TranscriptPage(transcript=transcript, number=n, text=text) for n, text in enumerate(pages, start=1)
            )
            self.report.created["transcript pages"] += len(pages)
        if _file_present(transcript.pdf_file.name):
            return
        # The stored page text is the PDF's text, whether the rows are new or kept.
        texts = list(transcript.pages.order_by("number").values_list("text", flat=True)) or pages
        data = _transcript_pdf(title=title, pages=texts)
        transcript.pdf_file.name = _save(media_storage.transcript_key(transcript), data)
        transcript.page_count = len(texts)
        transcript.file_size = len(data)
        transcript.status = Transcript.Status.READY
        transcript.save(update_fields=["pdf_file", "page_count", "file_size", "status", "updated_at"])
        self.report.created["PDF files"] += 1

    def _people(self) -> None:
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create_superuser(ADMIN_EMAIL, self.admin_password, name="Demo admin")
            self.report.created["admin"] += 1
            self.report.new_accounts.append(ADMIN_EMAIL)
        for spec in LISTENERS:
            user = User.objects.filter(email=spec["email"]).first()
            if user is None:
                extra = {}
                if spec["subscription"]:
                    extra = {"subscription_status": User.SubscriptionStatus.ACTIVE,
                             "subscription_plan": spec["subscription"]}  # fmt: skip
                user = user_create_verified(
                    email=spec["email"],
                    password=self.listener_password,
                    name=spec["name"],
                    language=spec["language"],
                    content_language=spec["content_language"],
                    **extra,
                )
                # Joined over the last weeks, so the sign-ups chart is not a single bar.
                user.date_joined = timezone.now() - datetime.timedelta(days=spec["joined_days_ago"])
                user.save(update_fields=["date_joined"])
                self.report.created["listeners"] += 1
                self.report.new_accounts.append(spec["email"])
            if spec["subscription"] and not user.subscriptions.exists():
                self._subscription(user, spec["subscription"], admin)
            for slug in spec["groups"]:
                self._get_or_create(GroupMembership, "group memberships", user=user, group=self.groups[slug])
            for slug in spec["attended"]:
                self._get_or_create(Attendance, "attendances", user=user, gathering=self.gatherings[slug])
            for slug in spec["granted"]:
                self.report.created["grants"] += access_grant(
                    users=[user], gatherings=[self.gatherings[slug]], granted_by=admin, note="Demo grant"
                )

    def _subscription(self, user, plan_code: str, admin) -> None:
        """Two months paid in cash, then time granted with no end: the admin's subscription pages
        and the dashboard's subscriber and income charts have rows, and the demo subscriber keeps
        access however long the demo runs."""
        plan = Plan.objects.filter(code=plan_code).first()
        if plan is None:
            return
        now = timezone.now()
        # The later month first: recorded onto a subscription that has ended, a payment would start a new one.
        for days_ago in (15, 45):
            start = now - datetime.timedelta(days=days_ago + 5)
            subscription_record_cash(
                user=user, plan=plan, method="cash", amount=plan.price, received_at=now - datetime.timedelta(days=days_ago),
                period_start=start, period_end=start + datetime.timedelta(days=30), note="Demo payment", by=admin,
            )  # fmt: skip
        subscription_grant(user=user, plan=plan, until=None, note="Demo subscriber", by=admin)
        self.report.created["subscriptions"] += 1

    def _listening(self) -> None:
        """A few weeks of listening by each demo listener, drawn from a generator seeded by the
        listener and the day: the same day always gives the same sessions. Each session's event
        id names its day, so a rerun adds only the days since the last run; progress rows are
        created for tracks never played before and left alone afterwards."""
        today = timezone.now().date()
        for spec in LISTENERS:
            user = User.objects.get(email=spec["email"])
            languages = ["en", "pt"] if spec["content_language"] == "en-pt" else ["en"]
            tracks = list(
                Track.objects.filter(
                    session__retreat__slug__in=spec["plays"], language__in=languages, duration__gt=0
                ).order_by("pk")
            )
            if not tracks:
                continue
            known = set(
                ListeningSession.objects.filter(user=user, event_id__startswith="demo-").values_list(
                    "event_id", flat=True
                )
            )
            sessions = []
            for back in range(LISTENING_DAYS, 0, -1):  # up to yesterday: a day's listening is complete
                day = today - datetime.timedelta(days=back)
                rng = random.Random(f"{spec['email']}:{day.isoformat()}")
                if rng.random() > spec["keenness"]:
                    continue
                for n in range(rng.randint(1, 3)):
                    track = rng.choice(tracks)
                    played = datetime.datetime.combine(
                        day, datetime.time(rng.randint(6, 22), rng.randrange(60)), tzinfo=datetime.UTC
                    )
                    seconds = 60.0 * rng.randint(8, 55)
                    completed, share = rng.random() < 0.45, rng.random()
                    event_id = f"demo-{day.isoformat()}-{n}"
                    if event_id in known:
                        continue
                    sessions.append(
                        ListeningSession(
                            user=user, track=track, event_id=event_id, played_at=played,
                            position=track.duration if completed else round(track.duration * share, 1),
                            completed=completed, start_time=played - datetime.timedelta(seconds=seconds),
                            end_time=played, seconds=seconds, device_info={"platform": "demo"}, created_at=played,
                        )
                    )  # fmt: skip
            ListeningSession.objects.bulk_create(sessions)
            self.report.created["listening sessions"] += len(sessions)
            self._progress(user, sessions)

    def _progress(self, user: User, sessions: list) -> None:
        played = set(TrackProgress.objects.filter(user=user).values_list("track_id", flat=True))
        merged: dict[int, TrackProgress] = {}
        for event in sessions:  # in order of play
            if event.track_id in played:
                continue
            row = merged.get(event.track_id)
            if row is None:
                row = merged[event.track_id] = TrackProgress(user=user, track_id=event.track_id,
                                                             created_at=event.played_at)  # fmt: skip
            row.position, row.last_played, row.updated_at = event.position, event.played_at, event.played_at
            row.completed = row.completed or event.completed
        TrackProgress.objects.bulk_create(merged.values())
        self.report.created["track progress rows"] += len(merged)

    def _bundles(self) -> None:
        owner = User.objects.get(email=LISTENERS[0]["email"])
        track_ids = list(
            Track.objects.filter(session__retreat__slug=GATHERINGS[0]["slug"]).values_list("pk", flat=True)
        )
        for n, (days_ago, status, error) in enumerate(BUNDLES, start=1):
            made = timezone.now() - datetime.timedelta(days=days_ago)
            bundle, created = self._get_or_create(
                DownloadBundle,
                "offline bundles",
                defaults={
                    "track_ids": track_ids,
                    "status": status,
                    "error": error,
                    "created_by": owner,
                    "expires_at": made + datetime.timedelta(days=1),
                },  # fmt: skip
                request_key=f"demo-bundle-{n}",
            )
            if created:  # created_at is set on insert; the bundle was made days ago
                DownloadBundle.objects.filter(pk=bundle.pk).update(created_at=made, updated_at=made)


@transaction.atomic
def load_demo_content(
    *, ffmpeg: str | None, admin_password: str = DEMO_PASSWORD, listener_password: str = DEMO_PASSWORD
) -> DemoReport:
    """Create whatever part of the demo catalogue is missing; existing rows are left as they are."""
    return DemoLoader(ffmpeg=ffmpeg, admin_password=admin_password, listener_password=listener_password).run()
