package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// The decoding path generated code took before Decoder.Members:
// encoding/json into the struct, then Object.Scan over the text for the
// members present. Nothing outside the tests uses it any more; it stays
// here as the oracle FuzzReader and FuzzObjectScan hold the Decoder to.

var errNotObject = errors.New("not a JSON object")

// HasOthers reports whether the object had a member whose key is not
// exactly a known one. encoding/json matches keys case-insensitively, so
// generated code then clears the fields whose exact key was absent.
func (o *Object) HasOthers() bool {
	if !o.decoded {
		return false
	}
	n := bits.OnesCount64(o.seen)
	for _, w := range o.seenMore {
		n += bits.OnesCount64(w)
	}
	return o.count > n
}

// Scan reads the members of the JSON object data, already checked by
// encoding/json, against the struct's keys (Decoder.Members does this
// while decoding; Scan serves code generated before it). It allocates only for unknown
// keys, escaped keys, null elements and objects of more than 64 keys.
func (o *Object) Scan(data []byte, k *Keys) error {
	*o = Object{decoded: true}
	if extra := (len(k.names) - 1) / 64; extra > 0 {
		o.seenMore, o.nullMore = make([]uint64, extra), make([]uint64, extra)
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			o.wasNull = true
			return nil
		}
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil
	}
	for i < len(data) {
		if data[i] != '"' {
			return errNotObject
		}
		end := skipString(data, i)
		if end < 0 {
			return errNotObject
		}
		raw := data[i+1 : end-1]
		var key string
		// Invalid UTF-8 reads as U+FFFD, as encoding/json reads it.
		escaped := bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw)
		if escaped {
			var err error
			if key, err = unquote(data[i:end]); err != nil {
				return err
			}
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		vEnd := skipValue(data, i)
		if vEnd < 0 {
			return errNotObject
		}
		isNull := vEnd-i == 4 && string(data[i:vEnd]) == "null"
		o.count++
		if f := k.lookup(raw, key, escaped); f >= 0 {
			setBit(&o.seen, o.seenMore, f, true)
			setBit(&o.null, o.nullMore, f, isNull)
			if k.nullInside[f] && !isNull {
				o.findNulls(f, data[i:vEnd])
			}
		} else if k.keepUnknown {
			if !escaped {
				key = string(raw)
			}
			o.unknown = append(o.unknown, key)
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return nil
		}
		return errNotObject
	}
	return errNotObject
}

// Unmarshal is json.Unmarshal for generated struct types (as generated
// before Decoder.Members, which replaces it), with what JSON
// Schema needs on top: an integer written with a fraction or exponent
// (1.0, 1e2) still decodes into an int64 field, and a member whose key
// only case-insensitively matches a field (encoding/json's rule) does not
// make decoding fail — it is not that field. Only when decoding fails is
// the text rewritten and decoding tried again.
func Unmarshal(data []byte, v any, k *Keys) error {
	err := json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) {
		return err
	}
	fixed, _ := dropCaseVariants(data, k.names)
	return unmarshalValue(fixed, v)
}

// dropCaseVariants removes the top-level members whose key equals a known
// key only when case is ignored.
func dropCaseVariants(data []byte, known []string) ([]byte, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return data, false
	}
	out := []byte{'{'}
	dropped := false
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] == '"' {
		end := skipString(data, i)
		if end < 0 {
			return data, false
		}
		var key string
		if json.Unmarshal(data[i:end], &key) != nil {
			return data, false
		}
		j := skipSpace(data, end)
		if j >= len(data) || data[j] != ':' {
			return data, false
		}
		j = skipSpace(data, j+1)
		vEnd := skipValue(data, j)
		if vEnd < 0 {
			return data, false
		}
		variant := false
		for _, k := range known {
			if k == key {
				variant = false
				break
			}
			if strings.EqualFold(k, key) {
				variant = true
			}
		}
		if variant {
			dropped = true
		} else {
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = append(out, data[i:vEnd]...)
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return append(out, '}'), dropped
}
