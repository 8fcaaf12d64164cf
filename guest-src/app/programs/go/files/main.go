// files: create, write, read, seek, readdir, rename and remove under a directory
// (argument 1; /tmp by default), the way Go programs use os and io.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

func check(name string, ok bool, err error) {
	if ok && err == nil {
		fmt.Printf("%s: OK\n", name)
	} else {
		fmt.Printf("%s: FAILED (%v)\n", name, err)
	}
}

func main() {
	base := "/tmp"
	if len(os.Args) > 1 {
		base = os.Args[1]
	}
	dir, err := os.MkdirTemp(base, "gofiles-")
	check("mkdirtemp", err == nil, err)
	if err != nil {
		os.Exit(1)
	}
	p := filepath.Join(dir, "a.txt")
	err = os.WriteFile(p, []byte("hello, files\n"), 0o644)
	check("create", true, err)

	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check("open", true, err)
	_, err = f.Seek(7, io.SeekStart)
	buf := make([]byte, 5)
	if err == nil {
		_, err = io.ReadFull(f, buf)
	}
	check("seek", string(buf) == "files", err)
	_, err = f.WriteAt([]byte("FILES"), 7)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Close()
	}
	data, err2 := os.ReadFile(p)
	if err == nil {
		err = err2
	}
	check("read", string(data) == "hello, FILES\n", err)

	for _, n := range []string{"c", "b"} {
		if e := os.WriteFile(filepath.Join(dir, n), nil, 0o600); e != nil {
			err = e
		}
	}
	entries, err2 := os.ReadDir(dir)
	if err == nil {
		err = err2
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	check("readdir", fmt.Sprint(names) == "[a.txt b c]", err)

	err = os.Rename(p, filepath.Join(dir, "d.txt"))
	_, statErr := os.Stat(p)
	check("rename", os.IsNotExist(statErr), err)

	fi, err := os.Stat(filepath.Join(dir, "d.txt"))
	check("stat", err == nil && fi.Size() == 13 && fi.Mode().IsRegular(), err)

	err = os.RemoveAll(dir)
	_, statErr = os.Stat(dir)
	check("remove", os.IsNotExist(statErr), err)
}
