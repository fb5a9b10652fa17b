package main

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// The decoders' own messages name Go types and struct fields ("cannot unmarshal number into Go
// struct field analyzeInputJSON.text of type string"). Users see these instead: the field as
// written in their input, what it must be and what it was ("field text: want a string, got a
// number").

// jsonError rewrites an encoding/json error in the input's terms. The result never names a Go type.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Errorf("want a JSON object, got %s", jsonKind(te.Value))
		}
		return fmt.Errorf("field %s: want %s, got %s", te.Field, wantType(te.Type), jsonKind(te.Value))
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a JSON value kind as UnmarshalTypeError.Value reports it.
func jsonKind(v string) string {
	switch {
	case v == "number" || strings.HasPrefix(v, "number "):
		return "a number"
	case v == "string":
		return "a string"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "bool":
		return "true or false"
	}
	return v
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// wantType says what a value of Go type t looks like in JSON or YAML.
func wantType(t reflect.Type) string {
	if t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a single value"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping (key: value)"
	case reflect.Pointer:
		return wantType(t.Elem())
	}
	return "another kind of value"
}

// yamlGot describes the YAML value at tk.
func yamlGot(src reflect.Type, tk *token.Token) string {
	if src != nil {
		switch src.Kind() {
		case reflect.Slice:
			return "a list"
		case reflect.Map:
			return "a mapping"
		}
	}
	if tk != nil && tk.Value != "" {
		return fmt.Sprintf("%q", tk.Value)
	}
	return "something else"
}

// nodeKind names a YAML node type in a message.
func nodeKind(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping (key: value)"
	case ast.SequenceType:
		return "a list"
	case ast.IntegerType, ast.FloatType, ast.InfinityType, ast.NanType:
		return "a number"
	case ast.BoolType:
		return "true or false"
	case ast.StringType, ast.LiteralType:
		return "a string"
	case ast.NullType:
		return "nothing"
	}
	return strings.ToLower(strings.TrimSuffix(t.String(), "Type"))
}

// yamlMessage returns the message and the token of a located goccy/go-yaml error, with Go types
// replaced by what the value must be; ok is false when err carries no position.
func yamlMessage(err error) (msg string, tk *token.Token, ok bool) {
	var te *yaml.TypeError
	var ne *yaml.UnexpectedNodeTypeError
	var oe *yaml.OverflowError
	var located interface {
		GetToken() *token.Token
		GetMessage() string
	}
	switch {
	case errors.As(err, &te) && te.Token != nil:
		return fmt.Sprintf("want %s, got %s", wantType(te.DstType), yamlGot(te.SrcType, te.Token)), te.Token, true
	case errors.As(err, &ne) && ne.Token != nil:
		got := nodeKind(ne.Actual)
		if ne.Token.Value != "" && ne.Actual != ast.MappingType && ne.Actual != ast.SequenceType {
			got = fmt.Sprintf("%q", ne.Token.Value)
		}
		return fmt.Sprintf("want %s, got %s", nodeKind(ne.Expected), got), ne.Token, true
	case errors.As(err, &oe) && oe.Token != nil:
		return fmt.Sprintf("number %s is out of range", oe.SrcNum), oe.Token, true
	case errors.As(err, &located) && located.GetToken() != nil:
		return located.GetMessage(), located.GetToken(), true
	}
	return "", nil, false
}

// nodePathAt returns the YAML path ("http.insecure") of the deepest node of f at tk's position.
func nodePathAt(f *ast.File, tk *token.Token) string {
	if f == nil || tk == nil {
		return ""
	}
	var path string
	for _, d := range f.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			if t := n.GetToken(); t != nil && t.Position.Offset == tk.Position.Offset && t.Position.Line == tk.Position.Line {
				path = n.GetPath()
			}
			return true
		}), d)
	}
	return strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
}

// misshapenText finds, for goccy/go-yaml's position-less "does not implemented Unmarshaler",
// the first key in f whose target in v (the value being decoded) is a text value (a duration,
// a secret) but which holds a list or a mapping.
func misshapenText(f *ast.File, v any) ast.Node {
	keys := map[string]bool{}
	textKeys(reflect.TypeOf(v), keys, map[reflect.Type]bool{})
	var found ast.Node
	for _, d := range f.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			if found != nil {
				return false
			}
			mv, ok := n.(*ast.MappingValueNode)
			if !ok || mv.Key == nil || mv.Value == nil || !keys[mv.Key.String()] {
				return true
			}
			switch mv.Value.Type() {
			case ast.SequenceType, ast.MappingType, ast.MappingValueType:
				found = mv.Value
				return false
			}
			return true
		}), d)
	}
	return found
}

// textKeys collects the YAML keys of t (recursively) whose fields decode from text.
func textKeys(t reflect.Type, keys map[string]bool, seen map[reflect.Type]bool) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if ft := f.Type; ft.Implements(textUnmarshaler) || reflect.PointerTo(ft).Implements(textUnmarshaler) {
			keys[name] = true
			continue
		}
		textKeys(f.Type, keys, seen)
	}
}
