// std: what a Rust program takes from its standard library on Linux: threads, a
// Mutex, an mpsc channel, sleep, files and available_parallelism. One
// "name: OK" / "name: FAILED" line per check; argument 1 is the directory for files.
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn check(name: &str, ok: bool) {
    println!("{}: {}", name, if ok { "OK" } else { "FAILED" });
}

fn main() {
    let cpus = thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("available_parallelism={}", cpus);

    let counter = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = (0..4u64)
        .map(|id| {
            let counter = Arc::clone(&counter);
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..1000u64 {
                    *counter.lock().unwrap() += 1;
                    if i % 250 == 0 {
                        tx.send(id * 1000 + i).unwrap();
                    }
                }
                id
            })
        })
        .collect();
    drop(tx);
    let ids: u64 = workers.into_iter().map(|h| h.join().unwrap()).sum();
    let messages: Vec<u64> = rx.iter().collect();
    check("threads", ids == 6);
    check("mutex", *counter.lock().unwrap() == 4000);
    check("mpsc", messages.len() == 16);

    let start = Instant::now();
    thread::sleep(Duration::from_millis(25));
    check("sleep", start.elapsed() >= Duration::from_millis(25));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    check("wall clock", now > 1_700_000_000);

    let dir = std::env::args().nth(1).unwrap_or_else(|| "/tmp".to_string());
    let path = format!("{}/rust-std-{}.txt", dir, std::process::id());
    let result = (|| -> std::io::Result<bool> {
        let mut f = fs::File::create(&path)?;
        f.write_all(b"hello, rust files\n")?;
        f.sync_all()?;
        let mut f = fs::OpenOptions::new().read(true).write(true).open(&path)?;
        f.seek(SeekFrom::Start(7))?;
        f.write_all(b"RUST")?;
        f.seek(SeekFrom::Start(0))?;
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        let listed = fs::read_dir(&dir)?.filter_map(|e| e.ok()).any(|e| e.path().to_string_lossy() == path);
        let renamed = format!("{}.old", path);
        fs::rename(&path, &renamed)?;
        let len = fs::metadata(&renamed)?.len();
        fs::remove_file(&renamed)?;
        Ok(s == "hello, RUST files\n" && listed && len == 18 && fs::metadata(&renamed).is_err())
    })();
    match result {
        Ok(ok) => check("files", ok),
        Err(e) => {
            println!("files error: {}", e);
            check("files", false)
        }
    }
}
