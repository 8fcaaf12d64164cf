// cpu: a CPU-bound workload for the benchmark (a sieve and an n-body-style float loop),
// single-threaded, with no system calls in its inner loops. Argument 1 scales it.
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
)

func sieve(n int) int {
	composite := make([]bool, n+1)
	count := 0
	for i := 2; i <= n; i++ {
		if !composite[i] {
			count++
			for j := i * i; j <= n; j += i {
				composite[j] = true
			}
		}
	}
	return count
}

func orbit(steps int) float64 {
	x, y, vx, vy := 1.0, 0.0, 0.0, 1.0
	const dt = 0.001
	for i := 0; i < steps; i++ {
		r := math.Sqrt(x*x + y*y)
		a := -1 / (r * r * r)
		vx += a * x * dt
		vy += a * y * dt
		x += vx * dt
		y += vy * dt
	}
	return math.Sqrt(x*x + y*y)
}

func main() {
	scale := 1
	if len(os.Args) > 1 {
		scale, _ = strconv.Atoi(os.Args[1])
	}
	fmt.Printf("primes=%d radius=%.6f\n", sieve(200000*scale), orbit(200000*scale))
}
