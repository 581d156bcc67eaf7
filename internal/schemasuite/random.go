package schemasuite

import (
	"encoding/json"
	"math/rand"

	"github.com/chanxgo/chanx/runtime/validate"
)

// randomValue builds a JSON value: often a mutation of one from the pool,
// sometimes a fresh one.
func randomValue(rng *rand.Rand, pool []any, depth int) any {
	if len(pool) > 0 && rng.Intn(3) > 0 && depth == 0 {
		return mutate(rng, pool[rng.Intn(len(pool))], depth)
	}
	switch n := rng.Intn(8); {
	case n == 0 || depth > 2:
		return []any{nil, true, false, "", "a", "foo", json.Number("0"), json.Number("1"), json.Number("-1.5"), json.Number("2.5"), json.Number("10")}[rng.Intn(11)]
	case n <= 2:
		m := map[string]any{}
		for i := rng.Intn(4); i > 0; i-- {
			m[[]string{"foo", "bar", "baz", "a", "b", "c", "quux"}[rng.Intn(7)]] = randomValue(rng, nil, depth+1)
		}
		return m
	case n <= 4:
		a := []any{}
		for i := rng.Intn(4); i > 0; i-- {
			a = append(a, randomValue(rng, nil, depth+1))
		}
		return a
	}
	return randomValue(rng, nil, 3)
}

func mutate(rng *rand.Rand, v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for _, k := range validate.SortedKeys(x) {
			e := x[k]
			if rng.Intn(5) == 0 {
				continue
			}
			if rng.Intn(4) == 0 {
				e = mutate(rng, e, depth+1)
			}
			m[k] = e
		}
		if rng.Intn(4) == 0 {
			m["quux"] = randomValue(rng, nil, depth+1)
		}
		return m
	case []any:
		a := []any{}
		for _, e := range x {
			if rng.Intn(5) == 0 {
				continue
			}
			a = append(a, e)
		}
		if rng.Intn(3) == 0 {
			a = append(a, randomValue(rng, nil, depth+1))
		}
		return a
	case string:
		return x + []string{"", "x", "é", "1"}[rng.Intn(4)]
	case json.Number:
		return []json.Number{x, "0", "1.5", "-3", "100", "3.0000001"}[rng.Intn(6)]
	}
	return randomValue(rng, nil, depth+1)
}
