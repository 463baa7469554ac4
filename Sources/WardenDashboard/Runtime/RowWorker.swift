import WardenSystem

/// Builds list rows off the UI thread (`Effect.buildRows`), on a thread of its own so a sort
/// of a million agents never waits behind a store load on the effect runner's. Of the jobs
/// queued for a view only the newest runs: typing outruns a scan, and `update` would drop the
/// older ones' rows anyway.
final class RowWorker: @unchecked Sendable {
    private let inbox = Mailbox<RowJob?>()
    let outbox = Mailbox<Msg>()

    func start() {
        BackgroundThread.start(name: "warden-rows") { [self] in run() }
    }

    func submit(_ job: RowJob) { inbox.post(job) }

    func stop() { inbox.post(nil) }

    private func run() {
        while true {
            let queued = inbox.wait(ms: 60_000)
            if queued.contains(where: { $0 == nil }) { return }
            var newest: [ViewKind: RowJob] = [:]
            for case let job? in queued where job.generation > newest[job.view]?.generation ?? -1 { newest[job.view] = job }
            for job in newest.values { outbox.post(job.run()) }
        }
    }
}
