package collectors

import "strings"

// Brand names inside domains (issue 14). A text word that is a host name ("github.com",
// "gist.github.com", "claude.ai") is one word to the tokenizer, so without this the query
// `github` would never see the 243 of 3,173 posts that name GitHub only through a link. A host's
// labels ("gist", "github") and its suffixes of two labels or more ("github.com") are matched as
// extra forms of the word, by unquoted single-word terms only: a quoted term ("github") is the
// exact word, and phrases are never looked up inside a host. The top-level label ("com") never
// matches. Words of a URL's path are words like any other; a dotted word in a path
// ("docs/github.html") is no host, and neither is a dotted word without a known top-level
// label ("llama.cpp", "node.js"), so `llama` still does not match `llama.cpp`.

// hostTLDs are the top-level labels that make a dotted word a host name without a scheme
// before it. Labels that are also common file extensions or words are left out (sh, py, rs,
// md, pl, so, to, in, it, be, no, us): "install.sh" is a script, not a host; with "https://"
// or "www." before it any dotted word is a host.
var hostTLDs = map[string]bool{
	"com": true, "org": true, "net": true, "io": true, "ai": true, "dev": true, "app": true,
	"co": true, "me": true, "gg": true, "tv": true, "xyz": true, "cloud": true, "tech": true,
	"info": true, "edu": true, "gov": true, "eu": true, "uk": true, "de": true, "fr": true,
	"ca": true, "au": true, "jp": true, "cn": true, "ru": true, "nl": true, "ch": true,
	"se": true, "es": true, "site": true, "online": true, "blog": true, "page": true,
	"chat": true, "tools": true, "studio": true, "space": true, "social": true, "news": true,
}

// isHost reports whether tok (a word of text, folded) is a host name: two labels or more of
// letters, digits and '-', not in a URL's path, and either after "://" or "www."-prefixed, or
// with a known top-level label.
func isHost(text string, tok token) bool {
	w := tok.text
	dot := strings.LastIndexByte(w, '.')
	if dot <= 0 || dot == len(w)-1 {
		return false
	}
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case '\'', '+', '#':
			return false
		case '.':
			if i == 0 || w[i-1] == '.' {
				return false
			}
		}
	}
	scheme := tok.start >= 3 && text[tok.start-3:tok.start] == "://"
	if !scheme && tok.start > 0 && text[tok.start-1] == '/' {
		return false // a path segment: "example.com/docs/github.html"
	}
	return scheme || strings.HasPrefix(w, "www.") || hostTLDs[w[dot+1:]]
}

// hostForms appends to dst the forms a host word also matches as: each label but the last
// (and the parts of a hyphenated label), and each suffix of two labels or more shorter than the
// whole, with their byte offsets within the word.
func hostForms(w string, dst []hostForm) []hostForm {
	last := strings.LastIndexByte(w, '.')
	start := 0
	for start < last {
		end := start + strings.IndexByte(w[start:], '.')
		label := w[start:end]
		dst = append(dst, hostForm{label, start, end})
		if strings.IndexByte(label, '-') > 0 {
			for off := start; off < end; {
				n := strings.IndexByte(w[off:end], '-')
				if n < 0 {
					n = end - off
				}
				if n > 0 {
					dst = append(dst, hostForm{w[off : off+n], off, off + n})
				}
				off += n + 1
			}
		}
		if start > 0 {
			dst = append(dst, hostForm{w[start:], start, len(w)})
		}
		start = end + 1
	}
	return dst
}

// hostForm is one form of a host word, at w[start:end].
type hostForm struct {
	text       string
	start, end int
}
