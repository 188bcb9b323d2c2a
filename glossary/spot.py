"""Spotting glossary words in a pasted text: a letter, a licence, a text message.

Spotting is exact, never fuzzy: a word counts only when its normalised form is a term, an alias or a
full form (misspellings are for look-up only, because "oasis" in a text is usually just an oasis).
Phrases are found with a trie of words, longest first, so "Parole Board" wins over "parole".

Three rules keep ordinary English from raising false alarms. They are checked on each match:

* **Acronyms that are also English words** (PO, AP, CO, IT, DIP, SHIP, VISOR... see
  `ENGLISH_WORD_ACRONYMS`) count only when written in capitals ("PO", "POs", "PO's") *and* the
  sentence around them is not itself in capitals. "Your PO will call" counts; "IT IS OK", "AS SOON AS"
  and "on monday, so ok" do not. Other capital-letter words in the sentence that are glossary acronyms
  (HDC, OASys) do not make it shouting, so "Meet your PO about HDC" still counts. A capital word with
  no other words around it in its sentence ("PO" alone, "PO: Jane") counts: it was written on purpose.
* **Words with an everyday sense** (recall, tag, charge, sentence... see `EVERYDAY_SENSES`) count only
  when the text is clearly about the justice system: some other glossary word was found, or a word
  like probation, prison, court or police is in it. "I can't recall" alone finds nothing.
* **Full forms of a word with several meanings** (PO's "Post Office", NFA's "No further action") are
  everyday phrases in other places, so they count only in title case ("No Further Action") and, like
  everyday-sense words, only in a text about the justice system.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from glossary.model import Entry, looks_like_acronym
from glossary.normalize import WORD, fold, singular_forms, word_key, word_set

# Short English words that are, or could be, an acronym in the glossary. Written in lower case here.
ENGLISH_WORD_ACRONYMS: frozenset[str] = word_set(
    """
    a i am an as at be by co do go he hi if in is it me my no of oh ok on or ow so to up us we ye
    ad ah ap aw ax ba bi da de di eh em en er ex fa ha id jo ka la lo ma mi mo mu na ne nu od oi om
    op oy pa pe pi po re sh si ta te ti uh um un yo
    ace act add age aid aim air all and ant any ape apt arc are ark arm art ash ask ate awe axe bad
    bag ban bar bat bay bed bee bet bid big bin bit bog boo bop bow box boy bra bud bug bum bun bus
    but buy bye cab can cap car cat cod cog con cop cot cow coy cry cub cue cup cut dab dad dam day
    den dew did die dig dim din dip doe dog don dot dry dub dud due dug dye ear eat ebb eel egg ego
    elf elk elm emu end era eve ewe eye fab fad fan far fat fax fed fee fen few fib fig fin fir fit
    fix flu fly foe fog for fox fry fun fur gag gap gas gel gem get gig gin gnu god got gum gun gut
    guy gym had ham has hat hay hem hen her hew hid him hip his hit hob hoe hog hop hot how hub hue
    hug hum hut ice icy ill imp ink inn ion ire irk its ivy jab jam jar jaw jet jig job jog jot joy
    jug jut keg ken key kid kin kit lab lad lag lap law lax lay led leg let lid lie lip lit lob log
    lot low mad man map mat maw may men met mid mix mob mod mom mop mow mud mug mum nab nag nap nay
    net new nib nil nip nit nod nor not now nun nut oak oar oat odd ode off oft oil old one opt orb
    ore our out owe owl own pad pal pan pap par pat paw pay pea peg pen pep per pet pew pie pig pin
    pit ply pod pop pot pow pro pry pub pug pun pup pus put rag ram ran rap rat raw ray red ref rep
    rib rid rig rim rip rob rod roe rot row rub rug rum run rut rye sad sag sap sat saw say sea see
    set sew sex she shy sin sip sir sit six ski sky sly sob sod son sop sow soy spa spy sty sub sue
    sum sun sup tab tad tag tan tap tar tat tax tea ten the thy tic tie tin tip toe tom ton too top
    tot tow toy try tub tug two urn use van vat vet via vie vow wad wag war was wax way web wed wee
    wet who why wig win wit woe wok won woo wow yak yam yap yes yet yew you zap zip zoo
    able acts aide aims also area arms army arts back bail band bank base bass bear beds best bill
    bind boat body bold bond book boss burn bush call calm camp card care carp case cash cast chip
    city clip club code coin cold come cope core cost crop cure dash data date deal dean deed deep
    desk diet disc dish dock dole done door dose down drop drug dual duty each earn ease east easy
    echo edit else emit epic even ever exit face fact fair fall fame farm fast fate fear feed fell
    file fill film find fine fire firm fish five flag flat flow fold folk fond font food form fort
    four free fuel full fund gain game gate gear gift girl give glad goal gold golf good gown grab
    grip grow hair half hall hand hard harm have head heal hear heat held help here hero high hill
    hire hold hole home hope host hour huge hunt idea iron item jail join joke jump just keen keep
    kind king kiss lace lack lady land lane last late lead leaf lean left lend lens less life lift
    like line link list live load loan lock long look lord lose loss lost love luck made mail main
    make male many mark mass meal mean meat meet mild mile milk mind mine miss mode mood moon more
    most move much must name near neat need news next nice nine none norm note once only open oral
    over pace pack page paid pain pair pale palm park part pass past path peak pick pile pipe plan
    play plea plot plus poll pool poor port pose post pour pray pull pump pure push race rage raid
    rail rain rank rare rate read real rear rely rent rest rice rich ride ring rise risk road rock
    role roll roof room root rope rose rule rush safe sage sail sake sale salt same sand save seal
    seat seed seek seem self sell send ship shoe shop shot show shut sick side sign sing site size
    skin slip slow snap soap soft soil sole some song soon sort soul spot star stay step stop such
    suit sure swim tail take tale talk tall tank tape task team tear tell tend term test text than
    that them then they thin this tide tidy time tiny tire told toll tone tool tops torn tour town
    trap tree trip true tune turn twin type unit upon used user vary vast very view visa vote wage
    wait wake walk wall want ward warm warn wash wave weak wear week well west what when whip wide
    wife wild will wind wine wing wire wise wish with wood word work yard year your zero zone
    alarm alert alone apply arise aside asset audit avoid basic begin being birth black blame blank
    board bonus brief bring build carat carats cards cause chain chair chart check chief child civil
    claim class clean clear close coach count court cover crime cross drive early earth enter equal
    event exact exist extra faith false fault field final first focus force frame fresh front fully
    grant grasp great green group guard guest guide happy heart heavy hence house human ideal image
    issue judge known large later laugh learn least leave legal level light limit local loose lower
    lucky magic major march match maybe means media might money month moral motor mount mouse mouth
    music needs never night noise north noted novel nurse occur offer often order other owner panel
    paper party peace phase phone piece pilot pitch place plain plane plant point power press price
    pride prime print prior prize proof proud prove quick quiet quite radio raise range rapid reach
    ready relax reply right river rough round route royal rural scale scene scope score sense serve
    seven shape share sharp shift short sight skill sleep small smart smile solid sound south space
    speak speed spend spent spite split sport staff stage stake stand start state steal steam steel
    stock stone store storm story style sugar sweet table taken teach thank theme there thing think
    three throw tight title today topic total touch tough tower track trade train treat trend trial
    trust truth under union unity until upper upset urban usual valid value video visit visor vital
    voice waste watch water wheel where which while white whole woman world worry worth would write
    wrong young youth
    """
)

# Glossary words that also have a common everyday sense, so alone they prove nothing.
EVERYDAY_SENSES: frozenset[str] = word_set(
    """
    appeal appointment bail board book breach caution charge charges check condition conditions
    conviction court custody discharge fine grant hearing key licence license order plan programme
    record recall release remand report review sentence sign signing statement support tag tagged
    tagging term trial warrant work
    """
)

# Words that show a text is about the justice system, so everyday-sense words in it count.
JUSTICE_CUES: frozenset[str] = word_set(
    """
    probation prison prisons prisoner prisoners jail police policing court courts magistrate magistrates
    judge crown offender offenders offence offences offending reoffending parole custody custodial
    convicted conviction sentenced hmpps hmp mappa oasys crime criminal solicitor barrister arrest
    arrested
    """
)

# Small words that stay lower case inside a title-case phrase ("Release on Temporary Licence").
_SMALL_WORDS = word_set("a an and as at by for from in of on or the to with")
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]")
_PHRASE_GAP = re.compile(r"[ \t,/\-–—]*(?:\r?\n[ \t,/\-–—]*)?")
_PLURAL_TAIL = re.compile(r"(?:['’]s|s|es)$", re.IGNORECASE)
_END = ""  # key of a trie node's payload: no word folds to the empty string
_NEIGHBOURS = 8  # words looked at on each side to tell shouting from a capital-letter acronym


class Rule(Enum):
    ANY_CASE = "any case"
    CAPITALS = "capitals, not shouting"
    EVERYDAY = "needs justice context"
    TITLE_CASE = "title case"


@dataclass(frozen=True)
class SpotName:
    """One way of writing an entry that the spotter looks for, and the rule it must pass."""

    entry: Entry
    written: str
    how: str  # "exact" (the term), "alias" or "full_form"
    meaning: int | None  # index into entry.meanings when this is one meaning's full form
    rule: Rule


@dataclass(frozen=True)
class Spotted:
    """A glossary word found in a text: `text[start:end] == matched`."""

    entry: Entry
    start: int
    end: int
    matched: str
    how: str
    meaning: int | None = None


def _rule_for(entry: Entry, written: str, words: list[str], how: str) -> Rule:
    if how == "full_form" and entry.has_many_meanings:
        return Rule.TITLE_CASE
    if len(words) == 1:
        if words[0] in ENGLISH_WORD_ACRONYMS and looks_like_acronym(written.replace(" ", "")):
            return Rule.CAPITALS
        if words[0] in EVERYDAY_SENSES or words[0] in ENGLISH_WORD_ACRONYMS:
            return Rule.EVERYDAY
    return Rule.ANY_CASE


class Spotter:
    """A word trie over every term, alias and full form; built once per content load."""

    def __init__(self, names: Iterable[SpotName]) -> None:
        self._root: dict[str, dict] = {}
        # Capital-letter words that are glossary acronyms; they never make a sentence "shouting".
        self._acronym_words: set[str] = set()
        for name in names:
            words = fold(name.written).split()
            if not words:
                continue
            node = self._root
            for word in words:
                node = node.setdefault(word, {})
            # Names arrive in priority order (term, alias, full form): the first one keeps the slot.
            node.setdefault(_END, name)
            if len(words) == 1 and looks_like_acronym(name.written) and name.rule is not Rule.CAPITALS:
                self._acronym_words.add(words[0])

    @staticmethod
    def names_for(entries: Iterable[Entry]) -> list[SpotName]:
        """Every spot name of `entries`, terms first, then aliases, then full forms."""
        entries = list(entries)
        found: list[SpotName] = []
        for how in ("exact", "alias", "full_form"):
            for entry in entries:
                if how == "exact":
                    written_forms = [(entry.term, None)]
                elif how == "alias":
                    written_forms = [(alias, None) for alias in entry.aliases]
                else:
                    written_forms = [(m.full_form, i) for i, m in enumerate(entry.meanings) if m.full_form]
                for written, meaning in written_forms:
                    rule = _rule_for(entry, written, fold(written).split(), how)
                    found.append(SpotName(entry, written, how, meaning, rule))
        return found

    def spot(self, text: str) -> list[Spotted]:
        """Every glossary word in `text`, in order of first appearance, each entry once."""
        spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
        keys = [word_key(text[start:end]) for start, end in spans]
        raw: list[Spotted] = []
        everyday: list[Spotted] = []
        index, count = 0, len(spans)
        root = self._root
        while index < count:
            if keys[index] not in root and not self._plural_in(root, keys[index]):
                index += 1
                continue
            found = self._longest_match(text, spans, keys, index)
            if found is None:
                index += 1
                continue
            name, after = found
            start, end = spans[index][0], spans[after - 1][1]
            spotted = Spotted(name.entry, start, end, text[start:end], name.how, name.meaning)
            needs_context = name.rule is Rule.EVERYDAY or name.rule is Rule.TITLE_CASE
            (everyday if needs_context else raw).append(spotted)
            index = after
        if everyday and (raw or not JUSTICE_CUES.isdisjoint(keys)):
            raw = sorted(raw + everyday, key=lambda item: item.start)
        seen: set[str] = set()
        result: list[Spotted] = []
        for item in raw:
            if item.entry.key not in seen:
                seen.add(item.entry.key)
                result.append(item)
        return result

    @staticmethod
    def _plural_in(node: dict[str, dict], key: str) -> bool:
        return key[-1:] == "s" and any(form in node for form in singular_forms(key))

    def _longest_match(
        self, text: str, spans: list[tuple[int, int]], keys: list[str], first: int
    ) -> tuple[SpotName, int] | None:
        """The longest name starting at word `first` that passes its rule, and the word after it."""
        candidates: list[tuple[SpotName, int]] = []
        node = self._root
        position = first
        while position < len(keys):
            if position > first and not _PHRASE_GAP.fullmatch(text, spans[position - 1][1], spans[position][0]):
                break
            child = node.get(keys[position])
            if child is None:
                for form in singular_forms(keys[position]):
                    child = node.get(form)
                    if child is not None:
                        break
            if child is None:
                break
            node = child
            position += 1
            if _END in node:
                candidates.append((node[_END], position))
        for name, after in reversed(candidates):
            if self._passes(name, text, spans, keys, first, after):
                return name, after
        return None

    def _passes(
        self, name: SpotName, text: str, spans: list[tuple[int, int]], keys: list[str], first: int, after: int
    ) -> bool:
        if name.rule is Rule.CAPITALS:
            written = text[spans[first][0]:spans[first][1]]
            stem = written if keys[first] in self._root else _PLURAL_TAIL.sub("", written)
            letters = stem.replace(".", "")
            return letters.isupper() and not self._shouting(text, spans, keys, first)
        if name.rule is Rule.TITLE_CASE:
            return all(
                text[start].isupper() or keys[i] in _SMALL_WORDS
                for i, (start, _end) in enumerate(spans[first:after], start=first)
            )
        return True

    def _shouting(self, text: str, spans: list[tuple[int, int]], keys: list[str], index: int) -> bool:
        """True when most other words in the same sentence are in capitals too ("IT IS OK")."""
        neighbours: list[int] = []
        for step in (-1, 1):
            position = index
            while len(neighbours) < 2 * _NEIGHBOURS:
                after = position + step
                if after < 0 or after >= len(spans):
                    break
                left, right = (after, position) if step < 0 else (position, after)
                if _SENTENCE_BREAK.search(text, spans[left][1], spans[right][0]):
                    break
                neighbours.append(after)
                position = after
                if abs(position - index) >= _NEIGHBOURS:
                    break
        total = capitals = 0
        for position in neighbours:
            word = text[spans[position][0]:spans[position][1]]
            if len(word) < 2 or not word.isalpha() or keys[position] in self._acronym_words:
                continue
            total += 1
            if word.isupper():
                capitals += 1
        return total > 0 and capitals * 2 >= total
