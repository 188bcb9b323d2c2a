"""Answers benchmark (issue 10 section 7): question matching, and the conversation core with the library in.

    .venv/bin/python -m bench.answers [--cards 5000] [--samples 2000] [--messages 3000] [--quick]

1. Matching: `QuestionIndex.match` p50 and p99 over a fixed set of phrasings (typos, slang, long
   messages, Welsh and Polish), on the real library (content/questions) and on a synthetic library of
   5,000 cards made the same way every run (the real cards cloned, with new ids and about half of each
   ask's words swapped for made-up ones, so the index has the real shape and a larger vocabulary).
   Beside each, the floor measured in the same run on the same phrasings: the bare library query,
   `QuestionIndex.search(words)` (FTS5's BM25 over every ask), with the words from `query_words` worked
   out beforehand. `query_words` + `search` is printed too: it shows what the typo correction adds.
2. The conversation core: `Conversation.handle` messages/s for a realistic mix (menu buttons, glossary
   words, questions in three languages, a pasted letter, a few crisis messages), with the real questions
   library in, against the same mix, same process, same SQLite database and same chats, with an empty
   questions library (what the core did before the issue). The two run in alternating rounds, so a
   noisy neighbour on a shared machine slows both alike.
Targets (issue 10): matching p99 at most 2x its floor at 5,000 cards; the core with the library within
10% of its speed without it. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.conversation.core import Conversation
from bot.messages import Incoming
from bot.settings import REPO_ROOT
from casefile import db
from glossary.live import LiveGlossary, LiveQuestions
from glossary.plain_language import PLAIN_WORDS_FILE
from glossary.question_match import STOP_WORDS, Confidence, QuestionIndex
from glossary.questions import QuestionCard, QuestionLibrary, read_questions
from journeys.live import LiveJourneys
from tests.bot.conversation_helpers import SETTINGS, make_case
from tests.casefile.factories import NOW

CONTENT = REPO_ROOT / "content"
SYNTHETIC_CARDS = 5000

# How people really type their questions: typos, no punctuation, slang, long messages, Welsh and Polish.
# (tests/glossary/question_phrasings.py, when it exists, is used as well: see `phrasings`.)
PHRASINGS: tuple[str, ...] = (
    "can i stay at my girlfriends this weekend",
    "am i allowed to stay the night at my mums on saturday",
    "can i go on holiday abroad while im on licence",
    "can i go to spain for a week with my family",
    "what happens if i miss my probation appointment",
    "i missed my appointment yesterday what do i do now",
    "im gonna be late for probation",
    "running late for my appointment the bus didnt come",
    "can i change my appointment time i have a job interview",
    "what is a recall",
    "how does recall work",
    "will i get recalled for missing one appointment",
    "how long is a fixed term recall",
    "when will i get out after being recalled",
    "can i drink alcohol on licence",
    "is it ok to have a pint on licence",
    "will they drug test me at probation",
    "wat time does my curfew start",
    "my tag is beeping what do i do",
    "how do i claim universal credit when i get out",
    "when do i get my first universal credit payment",
    "can i get an advance payment",
    "ive been sanctioned what do i do",
    "where is the nearest food bank",
    "i have no money for food till payday",
    "how do i get my release payment",
    "i have nowhere to live when i get out of prison",
    "will the council help me with housing",
    "what is an approved premises",
    "what are the rules in a hostel",
    "how do i get id i lost my passport and driving licence",
    "how do i get a copy of my birth certificate",
    "how can i open a bank account with no id",
    "do i have to tell an employer about my conviction",
    "when is my conviction spent",
    "what is a dbs check",
    "can i be self employed on licence",
    "how do i register with a gp after prison",
    "i missed my methadone dose at the chemist",
    "my script has run out what do i do",
    "can i see my kids while im on licence",
    "can i visit my brother in prison",
    "how do i send money to someone in prison",
    "can i make a complaint about my probation officer",
    "i dont understand this letter from probation can someone help",
    "can i change my probation officer",
    "what does a probation officer actually do",
    "i got a new phone how do i get signpost back",
    "who can see what i type here",
    "i lost my phone",
    "how do i move to another town on licence",
    "do i have to live where probation tells me",
    "what are the standard licence conditons",
    "can i go to my cousins wedding in scotland next month",
    "wot happens if i get arrested while on licence",
    "probaton said i might be recalled for not living at my address, what are my rights and can i get a "
    "solicitor to help me because i dont think its fair and i have been doing everything they asked",
    "hi my partner is also on licence and we want to move in together is that allowed or do we both have "
    "to ask our probation officers first",
    "i have a funeral to go to in another city and it means staying over one night who do i ask",
    "ga i newid fy swyddog prawf",
    "sut dw i'n cael meddyg ar ôl y carchar",
    "ga i fynd dramor ar wyliau",
    "beth sy'n digwydd os dw i'n colli apwyntiad",
    "sut dw i'n hawlio credyd cynhwysol",
    "oes rhaid i fi fyw lle mae'r gwasanaeth prawf yn dweud",
    "czy moge zmienic kuratora",
    "spóźnię się do kuratora",
    "czy mogę wyjechać za granicę na licence",
    "co się stanie jak nie przyjdę na spotkanie",
    "jak dostac universal credit po wyjsciu",
    "nie mam gdzie mieszkac po wyjsciu z wiezienia",
)

LETTER = (
    "Dear Sam, your next supervision appointment is on Monday. Please bring your licence. Your OASys "
    "review is due and your PO will discuss MAPPA and your HDC curfew. Contact the DIP team or JCP."
)
# What people send, by how often: menu buttons most, then questions (three languages), words to explain,
# a letter, and a few crisis messages (about one in fourteen).
MIX: tuple[tuple[str, str], ...] = (
    ("button", "m:menu"), ("text", "can i stay at my girlfriends this weekend"), ("button", "m:appointments"),
    ("text", "whats a mapa"), ("button", "m:team"), ("text", "what happens if i miss my appointment"),
    ("button", "m:where"), ("text", "what does HDC mean?"), ("text", "can i go on holiday abroad"),
    ("button", "m:money"), ("text", "i want to end it all"), ("text", "rotl"),
    ("text", "when is my next appointment"), ("text", "ga i newid fy swyddog prawf"), ("button", "m:pharmacy"),
    ("text", LETTER), ("text", "how do i get a copy of my birth certificate"), ("text", "zorblax"),
    ("button", "m:appointments"), ("text", "czy moge wyjechac za granice"), ("text", "oasis"),
    ("text", "ive got nowhere to sleep tonight"), ("button", "m:menu"), ("text", "licence"),
    ("text", "do i have to tell an employer about my conviction"), ("text", "how does recall work"),
    ("text", "can my cat come to the hostel with me"), ("button", "m:help_now"),
)


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def phrasings() -> list[str]:
    """The fixed list here, plus the test set's phrasings when tests/glossary/question_phrasings.py exists."""
    texts = list(PHRASINGS)
    try:
        from tests.glossary import question_phrasings
    except ImportError:
        return texts
    for name in ("PHRASINGS", "CASES", "QUESTIONS"):
        found = getattr(question_phrasings, name, None)
        if isinstance(found, dict):
            found = list(found)
        if isinstance(found, list | tuple):
            for item in found:
                text = item if isinstance(item, str) else (item[0] if isinstance(item, tuple) and item else None)
                if isinstance(text, str) and text.strip():
                    texts.append(text)
            break
    return list(dict.fromkeys(texts))


# -- a synthetic library, the same every run -----------------------------------------------------------


def _word(rng: random.Random) -> str:
    consonants, vowels = "bcdfghklmnprstvw", "aeiou"
    return "".join(rng.choice(consonants if i % 2 == 0 else vowels) for i in range(rng.randint(4, 9)))


def synthetic_library(real: QuestionLibrary, size: int = SYNTHETIC_CARDS, seed: int = 2027) -> QuestionLibrary:
    """The real cards, then clones of them up to `size`: new ids, and in every ask about half the
    uncommon words swapped for made-up ones (a bigger library on the same subjects, with more words)."""
    rng = random.Random(seed)
    vocabulary = sorted({_word(rng) for _ in range(6000)})
    cards: list[QuestionCard] = list(real)
    originals = list(real)
    number = 0
    while len(cards) < size:
        card = originals[number % len(originals)]
        number += 1

        def perturb(ask: str) -> str:
            words = [rng.choice(vocabulary) if word not in STOP_WORDS and rng.random() < 0.5 else word
                     for word in ask.split()]
            return " ".join(words + [rng.choice(vocabulary)])

        asks = {language: tuple(perturb(ask) for ask in texts) for language, texts in card.asks.items()}
        cards.append(replace(card, id=f"{card.id}-s{number}", asks=asks))
    return QuestionLibrary(tuple(cards[:size]))


# -- 1. matching ---------------------------------------------------------------------------------------


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - start) / 1e6


def _samples(call: Callable[[int], object], count: int, samples: int) -> list[float]:
    for number in range(min(count, 50)):
        call(number)  # warm up: SQLite's pages, rapidfuzz, regexes
    gc.collect()
    return [_timed(lambda n=number: call(n % count)) for number in range(samples)]


def bench_matching(label: str, library: QuestionLibrary, texts: Sequence[str], samples: int) -> dict[str, float]:
    started = time.perf_counter()
    index = QuestionIndex(library)
    built = time.perf_counter() - started
    words = [index.query_words(text) for text in texts]
    outcomes = [index.match(text) for text in texts]
    sure = sum(1 for found in outcomes if found is not None and found.confidence is Confidence.SURE)
    close = sum(1 for found in outcomes if found is not None and found.confidence is Confidence.CLOSE)
    match = _samples(lambda n: index.match(texts[n]), len(texts), samples)
    floor = _samples(lambda n: index.search(words[n]), len(texts), samples)
    with_words = _samples(lambda n: index.search(index.query_words(texts[n])), len(texts), samples)
    figures = {"p50": percentile(match, .5), "p99": percentile(match, .99),
               "floor p50": percentile(floor, .5), "floor p99": percentile(floor, .99),
               "words+floor p50": percentile(with_words, .5), "words+floor p99": percentile(with_words, .99)}
    asks = sum(len(a) for card in library for a in card.asks.values())
    print(f"{label}: {len(library)} cards, {asks} asks (index built in {built * 1000:.0f} ms); "
          f"{len(texts)} phrasings: {sure} sure, {close} close, {len(texts) - sure - close} none")
    print(f"  match                      p50 {figures['p50']:7.3f} ms   p99 {figures['p99']:7.3f} ms")
    print(f"  floor: search(words)       p50 {figures['floor p50']:7.3f} ms   p99 {figures['floor p99']:7.3f} ms"
          f"   ratio p50 {figures['p50'] / figures['floor p50']:.2f}x, p99 {figures['p99'] / figures['floor p99']:.2f}x")
    print(f"  query_words + search       p50 {figures['words+floor p50']:7.3f} ms   "
          f"p99 {figures['words+floor p99']:7.3f} ms   ratio p99 {figures['p99'] / figures['words+floor p99']:.2f}x")
    return figures


# -- 2. the conversation core --------------------------------------------------------------------------


def _incoming(chat: str, kind: str, value: str) -> Incoming:
    if kind == "button":
        return Incoming("telegram", chat, button=value, language_hint="en")
    return Incoming("telegram", chat, text=value, language_hint="en")


def empty_questions(folder: Path) -> LiveQuestions:
    """A questions library with no cards: the glossary and plain words as they are, no questions/ folder."""
    content = folder / "content-without-questions"
    content.mkdir()
    (content / "glossary").symlink_to(CONTENT / "glossary", target_is_directory=True)
    (content / PLAIN_WORDS_FILE).symlink_to(CONTENT / PLAIN_WORDS_FILE)
    return LiveQuestions(content)


def bench_core(folder: Path, messages: int, people_count: int, rounds: int = 4) -> tuple[float, float]:
    url = f"sqlite:///{folder}/answers.db"
    db.upgrade(url)
    engine, sessions = db.open_database(url)
    glossary, journeys = LiveGlossary(CONTENT), LiveJourneys(CONTENT)
    with_library, without = LiveQuestions(CONTENT), empty_questions(folder)

    def conversation(questions: LiveQuestions) -> Conversation:
        return Conversation(CONTENT, sessions, glossary, clock=lambda: NOW, journeys=journeys,
                            reminder_policy=SETTINGS.reminder_policy, link_hasher=SETTINGS.link_hasher,
                            questions=questions)

    conversations = {"with": conversation(with_library), "without": conversation(without)}
    chats: list[str] = []
    for number in range(people_count):
        with sessions() as session:
            case = make_case(session, name=f"A{number}")
        chat = f"answers-{number}"
        conversations["with"].handle(Incoming("telegram", chat, text=case.code))
        chats.append(chat)
    for talk in conversations.values():  # warm up: templates compiled, pictures drawn, indexes cached
        for chat in chats[:3]:
            for kind, value in MIX:
                talk.handle(_incoming(chat, kind, value))
    elapsed = dict.fromkeys(conversations, 0.0)
    handled = dict.fromkeys(conversations, 0)
    per_round = max(1, messages // rounds)
    for round_number in range(rounds):
        order = list(conversations) if round_number % 2 == 0 else list(reversed(conversations))
        for name in order:
            talk = conversations[name]
            gc.collect()
            started = time.perf_counter()
            for number in range(per_round):
                kind, value = MIX[number % len(MIX)]
                talk.handle(_incoming(chats[number % len(chats)], kind, value))
            elapsed[name] += time.perf_counter() - started
            handled[name] += per_round
    engine.dispose()
    return handled["with"] / elapsed["with"], handled["without"] / elapsed["without"]


# -- the report ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=SYNTHETIC_CARDS, help="synthetic library size (5,000)")
    parser.add_argument("--samples", type=int, default=2000, help="timed matches per case (2,000)")
    parser.add_argument("--messages", type=int, default=3000, help="messages per core configuration (3,000)")
    parser.add_argument("--people", type=int, default=20, help="linked chats the mix is spread over (20)")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.cards, args.samples, args.messages = min(args.cards, 1000), min(args.samples, 300), min(args.messages, 300)
    print(f"Signpost answers benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs (shared machine: figures vary)\n")
    real, _findings = read_questions(CONTENT)
    texts = phrasings()
    started = time.perf_counter()
    synthetic = synthetic_library(real, args.cards)
    made = time.perf_counter() - started
    print(f"Question matching; floor = QuestionIndex.search(words), FTS5 BM25 alone "
          f"(synthetic library made in {made:.1f} s)\n")
    bench_matching(f"real library ({len(real)})", real, texts, args.samples)
    big = bench_matching(f"synthetic library ({len(synthetic)})", synthetic, texts, args.samples)
    ratio = big["p99"] / big["floor p99"]
    print(f"\n  target: match p99 at most 2x floor p99 at {len(synthetic):,} cards: {ratio:.2f}x, "
          f"{'met' if ratio <= 2 else 'MISSED'}")
    with tempfile.TemporaryDirectory() as folder:
        rate, floor = bench_core(Path(folder), args.messages, args.people)
    print(f"\nconversation core, SQLite, a mix of {len(MIX)} kinds of message over {args.people} chats:")
    print(f"  with the questions library ({len(real)} cards): {rate:7.0f} messages/s")
    print(f"  floor: same mix, empty questions library: {floor:7.0f} messages/s   ratio {rate / floor:.2f}")
    print(f"  target: within 10% of the speed without it: {rate / floor:.2f}, "
          f"{'met' if rate >= 0.9 * floor else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
