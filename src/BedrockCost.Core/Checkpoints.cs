namespace BedrockCost.Core;

/// <summary>
/// Named points in long work where a test can hold it and learn that it got there, so that it can stop the work at a
/// known moment (Ctrl+C mid-read, mid-write) without sleeping or measuring time. Unarmed, which is always the case
/// outside tests, a checkpoint is one volatile read. Tests arm one through <see cref="Arm"/> (xunit) or reflection
/// (Pester), for the work on their own files only, so tests running side by side do not hold each other.
/// </summary>
internal static class Checkpoints
{
    /// <summary>A CUR data file is about to be read (after its format is known); the subject is its key (a local path, an S3 key).</summary>
    public const string CurFileRead = "cur.file.read";
    /// <summary>A report's temporary file has been written, before it is renamed over the target; the subject is the target's full path.</summary>
    public const string ReportWritten = "report.written";

    private static readonly object s_sync = new();
    private static volatile Hold[] s_holds = Array.Empty<Hold>();

    /// <summary>
    /// Holds every caller of checkpoint <paramref name="name"/> whose subject starts with <paramref name="subjectPrefix"/>
    /// until its cancellation token is cancelled, from now until the returned hold is disposed.
    /// <see cref="Hold.Reached"/> is set when the first caller arrives.
    /// </summary>
    public static Hold Arm(string name, string subjectPrefix)
    {
        var hold = new Hold(name, subjectPrefix);
        lock (s_sync) s_holds = s_holds.Append(hold).ToArray();
        return hold;
    }

    /// <summary>Passes through unless a test armed <paramref name="name"/> for this subject; then waits for <paramref name="ct"/> to be cancelled.</summary>
    public static Task ReachAsync(string name, string subject, CancellationToken ct)
    {
        var holds = s_holds;
        if (holds.Length == 0) return Task.CompletedTask;
        foreach (var hold in holds)
            if (hold.Name == name && subject.StartsWith(hold.SubjectPrefix, StringComparison.Ordinal)) return hold.WaitAsync(ct);
        return Task.CompletedTask;
    }

    internal sealed class Hold(string name, string subjectPrefix) : IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name { get; } = name;
        public string SubjectPrefix { get; } = subjectPrefix;
        /// <summary>Set when the work reaches the checkpoint.</summary>
        public ManualResetEventSlim Reached { get; } = new();

        /// <summary>Until the work's token is cancelled; a disposed hold lets held work go with an OperationCanceledException
        /// even when its token never is (a test that failed must not leave work hanging).</summary>
        internal async Task WaitAsync(CancellationToken ct)
        {
            Reached.Set();
            await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), _released.Task).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw new OperationCanceledException($"Checkpoint {Name} released without cancellation.");
        }

        public void Dispose()
        {
            lock (s_sync) s_holds = s_holds.Where(h => h != this).ToArray();
            _released.TrySetResult();
        }
    }
}
