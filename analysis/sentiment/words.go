package sentiment

// This file holds the small closed word lists the tokenizer uses: negators, boosters, contrast
// words and slang spellings. They are part of the feature definition: changing them changes the
// features, so bump formatVersion when they change and retrain.

// lexicon maps a token hash to a valence in [-4, 4] (VADER's scale). info merges the
// valences with the word roles and slang below, so the tokenizer looks a word up once.
type lexicon struct {
	m    map[uint64]float32
	info map[uint64]wordInfo
}

// wordInfo is what the tokenizer knows about a word.
type wordInfo struct {
	lex float32
	wordRole
	to uint64 // for a slang spelling, the hash of the word it stands for
}

func (l *lexicon) get(h uint64) float32 {
	if l == nil {
		return 0
	}
	return l.info[h].lex
}

// build fills l.info from l.m, wordRoles and slang.
func (l *lexicon) build() {
	l.info = make(map[uint64]wordInfo, len(l.m)+len(wordRoles)+len(slang))
	for h, v := range l.m {
		l.info[h] = wordInfo{lex: v}
	}
	for h, r := range wordRoles {
		wi := l.info[h]
		wi.wordRole = r
		l.info[h] = wi
	}
	for from, to := range slang {
		h := hashString(from)
		wi := l.info[h]
		wi.to = hashString(to)
		l.info[h] = wi
	}
}

type wordRole struct {
	role     uint8
	boost    int8
	boundary bool // ends a clause for target scoring
}

var wordRoles = buildWordRoles()

// negators start a negation scope ("not", "never", "don't", and Dong's "n't" split as "nt").
var negators = []string{
	"not", "no", "never", "nt", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "arent",
	"wasnt", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "hasnt", "havent", "hadnt",
	"aint", "neither", "nor", "nothing", "nobody", "none", "nowhere", "without", "lacks", "lacking",
	"hardly", "barely", "rarely", "seldom", "nope", "mustnt", "neednt",
}

// boosters raise (positive) or damp (negative) the valence of the next words, in hundredths
// (VADER's 0.293).
var boosters = map[string]int8{
	"absolutely": 29, "amazingly": 29, "awfully": 29, "completely": 29, "considerably": 29,
	"deeply": 29, "effing": 29, "enormously": 29, "entirely": 29, "especially": 29,
	"exceptionally": 29, "extremely": 29, "fabulously": 29, "freaking": 29, "fricking": 29,
	"frickin": 29, "friggin": 29, "fucking": 29, "fuckin": 29, "fully": 29, "greatly": 29,
	"hella": 29, "highly": 29, "hugely": 29, "incredibly": 29, "intensely": 29, "majorly": 29,
	"most": 29, "particularly": 29, "purely": 29, "quite": 29, "really": 29, "remarkably": 29,
	"so": 29, "soo": 29, "substantially": 29, "super": 29, "thoroughly": 29, "totally": 29,
	"tremendously": 29, "truly": 29, "uber": 29, "unbelievably": 29, "unusually": 29,
	"utterly": 29, "very": 29, "way": 15, "too": 20, "damn": 20, "bloody": 20, "mega": 29,
	"almost": -29, "barely": -29, "hardly": -29, "kinda": -29, "kind": -15, "less": -29,
	"little": -29, "marginally": -29, "occasionally": -29, "partly": -29, "scarcely": -29,
	"slightly": -29, "somewhat": -29, "sorta": -29, "sort": -15, "bit": -15,
}

// contrast words start a clause that compares with the one before: what follows "unlike" or
// "than" gets the opposite of the clause before it.
var contrastWords = []string{"unlike", "than", "vs", "versus", "whereas", "instead"}

// boundaryWords end a clause for target scoring.
var boundaryWords = []string{
	"but", "however", "although", "though", "while", "whereas", "unlike", "except", "yet",
	"vs", "versus", "than", "whilst", "instead", "meanwhile",
}

// slang maps common social-media spellings to the word they stand for.
var slang = map[string]string{
	"luv": "love", "lub": "love", "gr8": "great", "grt": "great", "thx": "thanks", "thnx": "thanks",
	"thanx": "thanks", "tks": "thanks", "ty": "thanks", "tysm": "thanks", "pls": "please",
	"plz": "please", "plss": "please", "u": "you", "ur": "your", "r": "are", "b4": "before",
	"cuz": "because", "coz": "because", "bc": "because", "becuz": "because", "sux": "sucks",
	"kool": "cool", "awsome": "awesome", "awesom": "awesome", "amazin": "amazing",
	"gud": "good", "gd": "good", "nice1": "nice", "wat": "what", "wut": "what",
	"sry": "sorry", "srry": "sorry", "tho": "though", "thru": "through",
	"bday": "birthday", "fav": "favorite", "fave": "favorite", "favourite": "favorite",
	"fkn": "fucking", "fking": "fucking", "fcking": "fucking", "effin": "effing", "hav": "have",
	"dat": "that", "da": "the", "dis": "this", "dem": "them", "wit": "with", "w": "with",
	"ya": "you", "yall": "you", "cnt": "cant", "dnt": "dont",
	"didn": "didnt", "doesn": "doesnt", "isn": "isnt",
	"wasn": "wasnt", "couldn": "couldnt", "shouldn": "shouldnt", "wouldn": "wouldnt",
	"h8": "hate", "l8r": "later", "2day": "today", "2nite": "tonight",
	"tmrw": "tomorrow", "tmr": "tomorrow", "2morrow": "tomorrow", "ppl": "people",
}

func buildWordRoles() map[uint64]wordRole {
	m := make(map[uint64]wordRole)
	set := func(w string, f func(*wordRole)) {
		h := hashString(w)
		r := m[h]
		f(&r)
		m[h] = r
	}
	for _, w := range negators {
		set(w, func(r *wordRole) { r.role = roleNegator })
	}
	for w, b := range boosters {
		set(w, func(r *wordRole) { r.boost = b })
	}
	for _, w := range contrastWords {
		set(w, func(r *wordRole) { r.role = roleContrast })
	}
	for _, w := range boundaryWords {
		set(w, func(r *wordRole) { r.boundary = true })
	}
	set("but", func(r *wordRole) { r.role = roleBut })
	return m
}
