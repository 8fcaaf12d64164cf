// An HTTP client: usage httpget URL... Fetches each URL with net/http and prints
// "STATUS LENGTH SHA-256" per URL, then the first body; exits 1 on any error.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	var first []byte
	for i, url := range os.Args[1:] {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, "httpget:", err)
			os.Exit(1)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "httpget:", err)
			os.Exit(1)
		}
		fmt.Printf("%d %d %x\n", resp.StatusCode, len(body), sha256.Sum256(body))
		if i == 0 {
			first = body
		}
	}
	os.Stdout.Write(first)
}
