package grains

import "go.mongodb.org/mongo-driver/v2/bson"

func asSlice(v any) []any {
	a, _ := v.(bson.A)
	return a
}

func asMap(v any) map[string]any {
	m := map[string]any{}
	d, _ := v.(bson.D)
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
}
