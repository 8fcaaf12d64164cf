// goroutines: many goroutines over channels, a WaitGroup and a Mutex, on every vCPU.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func check(name string, ok bool) {
	if ok {
		fmt.Printf("%s: OK\n", name)
	} else {
		fmt.Printf("%s: FAILED\n", name)
	}
}

func main() {
	// A pipeline: producers -> squarers -> one summer.
	in := make(chan int)
	out := make(chan int, 16)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range in {
				out <- v * v
			}
		}()
	}
	go func() {
		for i := 1; i <= 1000; i++ {
			in <- i
		}
		close(in)
	}()
	go func() { wg.Wait(); close(out) }()
	sum := 0
	for v := range out {
		sum += v
	}
	check("channels", sum == 1000*1001*2001/6)

	// A counter shared by goroutines that yield while holding nothing.
	var mu sync.Mutex
	counter := 0
	var wg2 sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for i := 0; i < 200; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				if i%50 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg2.Wait()
	check("mutex", counter == 50*200)

	// sync.Once and a select over two channels.
	var once sync.Once
	n := 0
	for i := 0; i < 3; i++ {
		once.Do(func() { n++ })
	}
	a, b := make(chan string), make(chan string)
	go func() { a <- "a" }()
	go func() { b <- "b" }()
	got := map[string]bool{}
	for i := 0; i < 2; i++ {
		select {
		case s := <-a:
			got[s] = true
		case s := <-b:
			got[s] = true
		}
	}
	check("select", n == 1 && got["a"] && got["b"])
	fmt.Printf("GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
}
