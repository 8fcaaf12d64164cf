// jsonpanic: encoding/json both ways, and a nil dereference recovered as a panic
// (the runtime turns the page fault's SIGSEGV into a run-time error).
package main

import (
	"encoding/json"
	"fmt"
	"reflect"
)

type Item struct {
	Name  string            `json:"name"`
	Count int               `json:"count"`
	Tags  []string          `json:"tags,omitempty"`
	Attrs map[string]string `json:"attrs"`
}

func check(name string, ok bool) {
	if ok {
		fmt.Printf("%s: OK\n", name)
	} else {
		fmt.Printf("%s: FAILED\n", name)
	}
}

type node struct{ next *node }

func nilDeref() (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	var n *node
	return fmt.Sprint(n.next.next)
}

func main() {
	in := []Item{{Name: "a", Count: 1, Tags: []string{"x", "y"}, Attrs: map[string]string{"k": "v"}}, {Name: "b", Count: 2}}
	b, err := json.Marshal(in)
	check("marshal", err == nil && string(b) == `[{"name":"a","count":1,"tags":["x","y"],"attrs":{"k":"v"}},{"name":"b","count":2,"attrs":null}]`)
	var out []Item
	err = json.Unmarshal(b, &out)
	check("unmarshal", err == nil && reflect.DeepEqual(in, out))

	msg := nilDeref()
	fmt.Printf("recovered: %s\n", msg)
	check("nil dereference", msg == "runtime error: invalid memory address or nil pointer dereference")
}
