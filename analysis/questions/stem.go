package questions

import "strings"

// stem reduces an English word to a crude stem shared by its inflections
// ("charged", "charges", "charging" -> "charg"). It is a light suffix
// stripper (plural, -ed, -ing, -ly, final e) with a table of irregular verbs,
// which suits short questions better than aggressive Porter stemming.
func stem(w string) string {
	if ir, ok := irregular[w]; ok {
		w = ir
	}
	n := len(w)
	if n <= 3 || strings.ContainsAny(w, "0123456789") {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:n-2]
	case strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "zes"):
		w = w[:n-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") &&
		!strings.HasSuffix(w, "is") && !strings.HasSuffix(w, "'s"):
		w = w[:n-1]
	case strings.HasSuffix(w, "'s"):
		w = w[:n-2]
	}
	n = len(w)
	switch {
	case strings.HasSuffix(w, "ied") && n > 4:
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "eed"):
	case strings.HasSuffix(w, "ed") && n > 4 && hasVowel(w[:n-2]):
		w = undouble(w[:n-2])
	case strings.HasSuffix(w, "ing") && n > 5 && hasVowel(w[:n-3]):
		w = undouble(w[:n-3])
	case strings.HasSuffix(w, "ly") && n > 5:
		w = w[:n-2]
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	if len(w) > 3 && strings.HasSuffix(w, "y") && !isVowel(w[len(w)-2]) {
		w = w[:len(w)-1] + "i"
	}
	return w
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }

func undouble(s string) string {
	n := len(s)
	if n > 2 && s[n-1] == s[n-2] && !isVowel(s[n-1]) && s[n-1] != 'l' && s[n-1] != 's' && s[n-1] != 'z' {
		return s[:n-1]
	}
	return s
}

var irregular = map[string]string{
	"went": "go", "gone": "go", "goes": "go", "got": "get", "gotten": "get", "sent": "send", "paid": "pay",
	"made": "make", "came": "come", "bought": "buy", "took": "take", "taken": "take", "gave": "give",
	"given": "give", "lost": "lose", "stole": "steal", "stolen": "steal", "withdrew": "withdraw",
	"withdrawn": "withdraw", "saw": "see", "seen": "see", "knew": "know", "known": "know", "found": "find",
	"left": "leave", "kept": "keep", "held": "hold", "told": "tell", "said": "say", "ran": "run",
	"spent": "spend", "forgot": "forget", "forgotten": "forget", "began": "begin", "begun": "begin",
	"brought": "bring", "thought": "think", "wrote": "write", "written": "write", "broke": "break",
	"broken": "break", "chose": "choose", "chosen": "choose", "did": "do", "done": "do", "does": "do",
	"has": "have", "had": "have", "was": "be", "were": "be", "is": "be", "are": "be", "am": "be",
	"been": "be", "froze": "freeze", "frozen": "freeze", "hid": "hide", "hidden": "hide",
	"children": "child", "people": "person", "money": "money", "news": "news", "this": "this",
	"business": "business", "address": "address", "access": "access", "less": "less", "unless": "unless",
	"bus": "bus", "gas": "gas", "yes": "yes", "plus": "plus", "status": "status", "process": "process",
	"always": "always", "was't": "be", "ios": "ios", "macos": "macos", "windows": "windows",
}
