// timers: time.Sleep, time.After, a Ticker and a Timer that is stopped.
package main

import (
	"fmt"
	"time"
)

func check(name string, ok bool) {
	if ok {
		fmt.Printf("%s: OK\n", name)
	} else {
		fmt.Printf("%s: FAILED\n", name)
	}
}

func main() {
	start := time.Now()
	time.Sleep(30 * time.Millisecond)
	check("sleep", time.Since(start) >= 30*time.Millisecond)

	start = time.Now()
	select {
	case <-time.After(20 * time.Millisecond):
		check("after", time.Since(start) >= 20*time.Millisecond)
	case <-time.After(10 * time.Second):
		check("after", false)
	}

	t := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	for range t.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	t.Stop()
	check("ticker", ticks == 5)

	fired := false
	tm := time.AfterFunc(time.Hour, func() { fired = true })
	check("stop", tm.Stop() && !fired)

	// The wall clock is the host's: a guest in 1970 would be off by decades.
	check("wall clock", time.Now().Year() >= 2024)
}
