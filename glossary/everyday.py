"""Word lists that keep the spotter from raising false alarms on ordinary English.

They are code, not content: they describe English, not the justice system. When editors add a glossary
word that is also an everyday word, add it here too, and a sentence using it to the ordinary sentences
in tests/glossary/test_spot.py.
"""

from __future__ import annotations

from glossary.normalize import word_set

# Short English words (and letter pairs common in everyday writing, like AA batteries or a TV) that an
# acronym could be spelled like. Such an acronym counts only when written in capitals and not shouted.
ENGLISH_WORD_ACRONYMS: frozenset[str] = word_set(
    """
    a i
    aa ad ah am an ap as at aw ax ba be bi by co da de di do ed eh em en er ex fa go ha he hi id if
    in is it jo jp ka kc la lo ma me mi mo mr mu my na ne no nu od of oh oi ok om on op or ow oy pa
    pc pe pi pm po pp re sh si so ta te ti to tv uh uk um un up us we ye yo
    ace act add age aid aim air all and ant any ape apt arc are ark arm art ash ask ate awe axe bad
    bag ban bar bat bay bed bee bet bid big bin bit bog boo bop bow box boy bra bud bug bum bun bus
    but buy bye cab can cap car cat cod cog com con cop cot cow coy cry cub cue cup cut dab dad dam
    day den dew did die dig dim din dip doe dog don dot dry dub dud due dug dye ear eat ebb eel egg
    ego elf elk elm emu end era eve ewe eye fab fad fan far fat fax fed fee fen few fib fig fin fir
    fit fix flu fly foe fog for fox fry fun fur gag gap gas gel gem get gig gin gnu god got gum gun
    gut guy gym had ham has hat hay hem hen her hew hid him hip his hit hob hoe hog hop hot how hub
    hue hug hum hut ice icy ill imp ink inn ion ire irk its ivy jab jam jar jaw jet jig job jog jot
    joy jug jut keg ken key kid kin kit lab lad lag lap law lax lay led leg let lid lie lip lit lob
    log lot low mad man map mat maw may men met mid mix mob mod mom mop mow mud mug mum nab nag nap
    nay net new nib nil nip nit nod nor not now nun nut oak oar oat odd ode off oft oil old one opt
    orb ore our out owe owl own pad pal pan pap par pat paw pay pea peg pen pep per pet pew pie pig
    pin pip pit ply pod pop pot pow pro pry pub pug pun pup pus put rag ram ran rap rat raw ray red
    ref rep rib rid rig rim rip rob rod roe rot row rub rug rum run rut rye sad sag sap sat saw say
    sea see set sew sex she shy sin sip sir sit six ski sky sly sob sod son sop sow soy spa spy sty
    sub sue sum sun sup tab tad tag tan tap tar tat tax tea ten the thy tic tie tin tip toe tom ton
    too top tot tow toy try tub tug two urn use van vat vet via vie vow wad wag war was wax way web
    wed wee wet who why wig win wit woe wok won woo wow yak yam yap yes yet yew you zap zip zoo
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
    rail rain rank rapt rare rate read real rear rely rent rest rice rich ride ring rise risk road
    rock role roll roof room root rope rose rule rush safe sage sail sake sale salt same sand save
    seal seat seed seek seem self sell send ship shoe shop shot show shut sick side sign sing site sled
    size skin slip slow snap soap soft soil sole some song soon sort soul spot star stay step stop
    such suit sure swim tail take tale talk tall tank tape task team tear tell tend term test text
    than that them then they thin this tide tidy time tiny tire told toll tone tool tops torn tour
    town trap tree trip true tune turn twin type unit upon used user vary vast very view visa vote
    wage wait wake walk wall want ward warm warn wash wave weak wear week well west what when whip
    wide wife wild will wind wine wing wire wise wish with wood word work yard year your zero zone
    alarm alert alone apply arise aside asset audit avoid basic begin being birth black blame blank
    board bonus brief bring build carat carats cards cause chain chair chart check chief child
    civil claim class clean clear close coach count court cover crime cross drive early earth enter
    equal event exact exist extra faith false fault field final first focus force frame fresh front
    fully grant grasp great green group guard guest guide happy heart heavy hence house human ideal
    image issue judge known large later laugh learn least leave legal level light limit local loose
    lower lucky magic major march match maybe means media might money month moral motor mount mouse
    mouth music needs never night noise north noted novel nurse occur offer often order other owner
    panel paper party peace phase phone piece pilot pitch place plain plane plant point power press
    price pride prime print prior prize proof proud prove quick quiet quite radio raise range rapid
    reach ready reconnect relax reply right river rough round route royal rural scale scene scope
    score sense serve seven shape share sharp shift short sight skill sleep small smart smile solid
    sound south space speak speed spend spent spite split sport staff stage stake stand start state
    steal steam steel stock stone store storm story style sugar sweet table taken teach thank theme
    there thing think three throw tight title today topic total touch tough tower track trade train
    treat trend trial trust truth under union unity until upper upset urban usual valid value video
    visit visor vital voice waste watch water wheel where which while white whole woman world worry
    worth would write wrong young youth
    eds tsp
    """
)

# Acronyms that people also write every day, or with another meaning (ID, CV, DOB, AA batteries, LED
# lights, a GP...). They, their full forms and their aliases count only in a text about the justice system.
EVERYDAY_ACRONYMS: frozenset[str] = word_set(
    """
    aa arms bass cab com cv dna dob ed em gp id jp kc led mr na nhs ni od pc ta tv
    """
)

# Glossary words and phrases that are common in everyday talk, often with another sense: a fine day,
# a phone charge, a TV licence, a free trial, a data breach, a price tag. They count only in a text
# about the justice system. Written folded (lower case, no punctuation).
EVERYDAY_WORDS: frozenset[str] = frozenset(
    line.strip()
    for line in """
    appeal
    appointment
    arrest
    association
    bail
    board
    breach
    canteen
    category
    caution
    cell
    charge
    check
    concurrent
    consecutive
    conviction
    custody
    enforcement
    fine
    governor
    hearing
    induction
    jury
    licence
    license
    plea
    recall
    reporting
    segregation
    sentence
    tag
    tariff
    tier
    trial
    warrant
    111
    999
    a and e
    early release
    home visit
    release date
    risk assessment
    risk level
    warning letter
    """.strip().splitlines()
)

# Words that show a text is about the justice system, so everyday words in it count.
JUSTICE_CUES: frozenset[str] = word_set(
    """
    arrested barrister conviction convicted court courts crime criminal crown custodial hmpps jail judge
    magistrate magistrates offence offences offender offenders offending parole police prison prisoner
    prisoners prisons probation reoffending sentenced solicitor
    """
)

# Glossary categories whose own lower-case terms are justice words: "curfew" or "unpaid work" count
# alone, while "dentist" or "bank account" (health, money) need a justice text around them.
JUSTICE_CATEGORIES: frozenset[str] = word_set("assessment courts police prison probation programmes sentences")

# Names of charities, programmes and services that are also English words: "Resolve" the programme,
# "resolve" the verb. They count only written with their capital, and not as a sentence's first word
# before an object ("Unlock your phone", "Resolve any problems"), nor before a street or building word.
ENGLISH_WORD_NAMES: frozenset[str] = word_set(
    """
    action anchor aspire catch change choices clinks compass connect crisis escape foundation freedom
    future gateway harmony haven hope horizon inspire journey kaizen kinship lifeline link mind
    ombudsman pathways phoenix recovery refuge resolve restore revolving shelter spark step switchback
    together unlock venture
    """
)

# Words that follow a verb, not a name, at the start of a sentence: "Unlock the door", "Resolve it".
OBJECT_WORDS: frozenset[str] = word_set(
    """
    a all an any each every her him his it its me my our some that the their them these this those us
    your yourself from
    """
)

# Words after a name that make it part of an address: "Horizon House", "Shelter Court", "PO Box".
ADDRESS_WORDS: frozenset[str] = word_set(
    """
    avenue box building buildings centre close court crescent drive gardens hall house lane mews parade
    place road square street terrace way
    """
)
