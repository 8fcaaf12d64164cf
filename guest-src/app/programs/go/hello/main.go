// hello prints a greeting and what the Go runtime sees of the machine.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Printf("hello from Go %s\n", runtime.Version())
	fmt.Printf("NumCPU=%d\n", runtime.NumCPU())
	fmt.Printf("args=%v\n", os.Args[1:])
}
