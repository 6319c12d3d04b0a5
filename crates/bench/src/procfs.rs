//! What the benchmark learns about processes from Linux itself: CPU time from
//! `/proc/PID/stat` (process totals, which include every thread), memory from
//! `/proc/PID/status`, and the two libc calls it needs (clock ticks, open-file limit).
//!
//! This is the crate's only `unsafe`: `sysconf` and `rlimit` calls with plain-data arguments.

use std::io;

/// Which process to read: this one, or another by pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proc {
    Current,
    Pid(u32),
}

impl Proc {
    fn path(self, file: &str) -> String {
        match self {
            Proc::Current => format!("/proc/self/{file}"),
            Proc::Pid(pid) => format!("/proc/{pid}/{file}"),
        }
    }

    /// User + system CPU time of the whole process so far, in clock ticks.
    pub fn cpu_ticks(self) -> io::Result<u64> {
        let stat = std::fs::read_to_string(self.path("stat"))?;
        parse_stat_cpu_ticks(&stat)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc stat"))
    }

    /// A `kB` line of `/proc/PID/status` (`VmRSS`, `VmHWM` …), in bytes.
    pub fn status_bytes(self, key: &str) -> io::Result<u64> {
        let status = std::fs::read_to_string(self.path("status"))?;
        parse_status_kb(&status, key)
            .map(|kb| kb * 1024)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no {key} line")))
    }

    /// Time the process's threads spent runnable but waiting for a CPU (summed over
    /// `/proc/PID/task/*/schedstat`): how much other work on the same core got in the way.
    pub fn run_queue_wait_ns(self) -> io::Result<u64> {
        let mut total = 0;
        for task in std::fs::read_dir(self.path("task"))? {
            // A thread may end between listing and reading; it simply no longer counts.
            if let Ok(line) = std::fs::read_to_string(task?.path().join("schedstat")) {
                total += parse_schedstat_wait(&line).unwrap_or(0);
            }
        }
        Ok(total)
    }

    /// Resident memory now, in bytes.
    pub fn rss(self) -> io::Result<u64> {
        self.status_bytes("VmRSS")
    }

    /// The largest resident memory since the process started, in bytes.
    pub fn peak_rss(self) -> io::Result<u64> {
        self.status_bytes("VmHWM")
    }
}

/// Memory the kernel holds in TCP socket buffers, all sockets of the machine together
/// (`mem` of the `TCP:` line of `/proc/net/sockstat`, in pages), in bytes. Data a slow
/// reader has not taken yet sits here, not in the server's RSS.
pub fn tcp_buffer_bytes() -> io::Result<u64> {
    let sockstat = std::fs::read_to_string("/proc/net/sockstat")?;
    parse_sockstat_tcp_pages(&sockstat)
        .map(|pages| pages * page_size())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no TCP mem in sockstat"))
}

fn parse_sockstat_tcp_pages(sockstat: &str) -> Option<u64> {
    let line = sockstat.lines().find(|l| l.starts_with("TCP:"))?;
    let mut words = line.split_ascii_whitespace();
    words.find(|&w| w == "mem")?;
    words.next()?.parse().ok()
}

fn page_size() -> u64 {
    // SAFETY: sysconf takes a constant and reads a system value; no memory is shared.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line. The command name in
/// field 2 may contain spaces and parentheses, so counting starts after the last `)`.
fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    // After the name: state is field 3, so utime (14) is the 12th field here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The second field of `schedstat`: nanoseconds spent waiting on a run queue.
fn parse_schedstat_wait(line: &str) -> Option<u64> {
    line.split_ascii_whitespace().nth(1)?.parse().ok()
}

fn parse_status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.split_ascii_whitespace().next()?.parse().ok()
    })
}

/// Clock ticks per second, the unit of `/proc/PID/stat` CPU times (100 almost everywhere).
pub fn clock_ticks_per_sec() -> u64 {
    // SAFETY: sysconf takes a constant and reads a system value; no memory is shared.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// Raises this process's open-file limit to its hard limit (every session holds two
/// sockets, and `--hold` holds a thousand); returns the limit now in force.
pub fn raise_open_file_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit that outlives the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: `limit` is a valid rlimit that outlives the call; the kernel only reads it.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_utime_plus_stime_even_with_odd_process_names() {
        let stat = "4242 (tts gw (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 36 0 0 20 0 9 0 1000 123456 789 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(286));
    }

    #[test]
    fn status_lines_are_read_in_kilobytes() {
        let status = "Name:\tgw\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(parse_status_kb(status, "VmRSS"), Some(40960));
        assert_eq!(parse_status_kb(status, "VmHWM"), Some(51200));
        assert_eq!(parse_status_kb(status, "VmSwap"), None);
    }

    #[test]
    fn run_queue_wait_is_the_second_schedstat_field() {
        assert_eq!(
            parse_schedstat_wait("921514320 1127023664 826\n"),
            Some(1127023664)
        );
        assert_eq!(parse_schedstat_wait(""), None);
    }

    #[test]
    fn tcp_buffer_memory_is_read_from_sockstat() {
        let sockstat =
            "sockets: used 25\nTCP: inuse 2 orphan 0 tw 101 alloc 2 mem 89\nUDP: inuse 0 mem 0\n";
        assert_eq!(parse_sockstat_tcp_pages(sockstat), Some(89));
        assert!(tcp_buffer_bytes().is_ok());
    }

    #[test]
    fn this_process_can_be_measured() {
        assert!(Proc::Current.cpu_ticks().is_ok());
        assert!(Proc::Current.rss().unwrap() > 0);
        assert!(Proc::Current.run_queue_wait_ns().is_ok());
        assert!(clock_ticks_per_sec() > 0);
    }
}
