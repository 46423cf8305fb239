"""Words too common to be a person's name when they stand alone (a username "system" or "test"):
searching a release for them would only report the release's own vocabulary."""

COMMON_WORDS = frozenset(
    """
about above account accounts active admin administrator after again against all also anonymous another
answer answered anyone archive archived audit available back bank before being below between blog board
both budget budgets business call came case category change changes check city close closed code coming
comment comments common community contact content could count council data date days decided decision
deleted delivery demo does done down draft during each email empty entity even every example federation
file files first forum free from general global group groups guest have help here high home hours http
https incognito info information initiative into issue just know last latest leave less level like link
list local long look made main make many meeting member members message milestone moderator month more
most much must name national need never news next nobody none note nothing null number only open other
over page part participation people person place please post posts private process project projects
proposal proposals public question read regional release report result results right rows same says
search second section see seen service settings should show since some someone source space staff stage
start still support system take team test than that their them then there these they this those time
through today topic topics total treasury true false under unknown until update used user username users
very vote votes want well were what when where which while will with work world would year years your
anonimo anónimo usuario usuaria todos todas para como pero este esta sobre entre desde hasta grupo
ciutat ciudad barri barrio veïna vecina persona
""".split()
)
