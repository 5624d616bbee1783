using System.Collections.Concurrent;
using System.Management.Automation;
using BedrockCost.Core;

namespace BedrockCost.Abstractions;

/// <summary>
/// Runs a cmdlet's work off the pipeline thread, marshals every stream write back to it, and cancels the
/// work through one token when the user presses Ctrl+C (StopProcessing) or downstream stops reading
/// (Select-Object -First). Cancellation ends quietly. This is the one place where an exception that is not
/// the module's own becomes an ErrorRecord (UnexpectedError).
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private BlockingCollection<Action>? _queue;
    private volatile string? _activity;

    protected CancellationToken CancelToken => _cts.Token;

    protected virtual Task BeginProcessingAsync() => Task.CompletedTask;
    protected virtual Task ProcessRecordAsync() => Task.CompletedTask;
    protected virtual Task EndProcessingAsync() => Task.CompletedTask;

    protected sealed override void BeginProcessing() => Run(BeginProcessingAsync);
    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);
    protected sealed override void EndProcessing() => Run(EndProcessingAsync);
    protected override void StopProcessing() => Cancel();

    /// <summary>What the work is doing ("reading s3://bucket/cur"), for the message of an unexpected error.</summary>
    protected string Activity
    {
        get => _activity ?? $"running {MyInvocation.MyCommand.Name}";
        set => _activity = value;
    }

    private void Run(Func<Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        _queue = queue;
        var task = Task.Run(async () =>
        {
            try { await work().ConfigureAwait(false); }
            finally { queue.CompleteAdding(); }
        });
        // A stream write that throws is PowerShell's own flow: downstream stopped (Select-Object -First),
        // Ctrl+C, -ErrorAction Stop, or a terminating error. Stop the work and re-throw it unchanged.
        Exception? pipelineFailure = null;
        foreach (var action in queue.GetConsumingEnumerable())
        {
            // Skipped actions never run; the replies the work awaits on them were cancelled with the token.
            if (pipelineFailure is not null) continue;
            try { action(); }
            catch (Exception e)
            {
                pipelineFailure = e;
                Cancel();
            }
        }
        _queue = null;
        Exception? failure = null;
        try { task.GetAwaiter().GetResult(); }
        catch (Exception e) { failure = e; }

        if (pipelineFailure is not null)
        {
            if (pipelineFailure is PipelineStoppedException && Stopping) return;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(pipelineFailure).Throw();
        }
        switch (failure)
        {
            case null:
                return;
            case OperationCanceledException when _cts.IsCancellationRequested:
                // Ctrl+C (Stopping): end quietly, the engine is already stopping the pipeline; a
                // PipelineStoppedException thrown here would surface as an error record in hosted runspaces.
                if (!Stopping) throw new PipelineStoppedException();
                return;
            case BedrockCostException e:
                if (ErrorRecords.IsTerminating(e)) ThrowTerminatingError(ErrorRecords.From(e));
                WriteError(ErrorRecords.From(e));
                return;
            case PipelineStoppedException or ActionPreferenceStopException:
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                return;
            default:
                ThrowTerminatingError(ErrorRecords.Unexpected(failure, Activity));
                return;
        }
    }

    private void Cancel()
    {
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Queues an action for the pipeline thread; false when the pipeline no longer takes any.</summary>
    private bool Post(Action action)
    {
        var queue = _queue;
        if (queue is null)
        {
            action();
            return true;
        }
        try
        {
            queue.Add(action);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return false; // the work has ended; nothing listens any more
        }
    }

    /// <summary>Writes to the pipeline's streams from the work (queued, run on the pipeline thread).</summary>
    protected void OnPipeline(Action write) => Post(write);

    /// <summary>
    /// Runs a function on the pipeline thread (ShouldProcess, provider paths) and awaits its result. Its
    /// exceptions go to the caller; a reply the pipeline will never give (it stopped) is cancelled.
    /// </summary>
    protected Task<T> InvokeOnPipelineAsync<T>(Func<T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = _cts.Token.Register(() => done.TrySetCanceled(_cts.Token));
        var posted = Post(() =>
        {
            try { done.TrySetResult(function()); }
            catch (Exception e) when (e is PipelineStoppedException or ActionPreferenceStopException)
            {
                done.TrySetException(e);
                throw; // the pipeline is stopping: the loop stops the work too
            }
            catch (Exception e) { done.TrySetException(e); }
            finally { registration.Dispose(); }
        });
        if (!posted)
        {
            registration.Dispose();
            done.TrySetCanceled();
        }
        return done.Task;
    }

    /// <summary>Runs an action on the pipeline thread and awaits it (see <see cref="InvokeOnPipelineAsync{T}"/>).</summary>
    protected Task InvokeOnPipelineAsync(Action action) => InvokeOnPipelineAsync(() => { action(); return true; });

    protected void Emit(object value) => OnPipeline(() => WriteObject(value));
    protected void EmitWarning(string text) => OnPipeline(() => WriteWarning(text));
    protected void EmitVerbose(string text) => OnPipeline(() => WriteVerbose(text));
    protected void EmitDebug(string text) => OnPipeline(() => WriteDebug(text));
    protected void EmitError(ErrorRecord record) => OnPipeline(() => WriteError(record));
    protected void EmitTerminatingError(ErrorRecord record) => OnPipeline(() => ThrowTerminatingError(record));

    /// <summary>A context that routes the core's messages to this cmdlet's streams, progress throttled.</summary>
    protected IOperationContext Context => _context ??= new StreamContext(this);
    private StreamContext? _context;

    private sealed class StreamContext : IOperationContext
    {
        private readonly AsyncCmdlet _cmdlet;
        private readonly Dictionary<int, DateTime> _lastProgress = new();
        public StreamContext(AsyncCmdlet cmdlet) => _cmdlet = cmdlet;
        public void Verbose(string message) => _cmdlet.EmitVerbose(message);
        public void Debug(string message) => _cmdlet.EmitDebug(message);
        public void Warning(string message) => _cmdlet.EmitWarning(message);
        public void Error(BedrockCostException error) => _cmdlet.EmitError(ErrorRecords.From(error));
        public void Progress(ProgressReport report)
        {
            lock (_lastProgress)
            {
                var now = DateTime.UtcNow;
                if (!report.Completed && _lastProgress.TryGetValue(report.ActivityId, out var last) && now - last < TimeSpan.FromMilliseconds(200)) return;
                _lastProgress[report.ActivityId] = now;
            }
            _cmdlet.OnPipeline(() => _cmdlet.WriteProgress(new ProgressRecord(report.ActivityId, report.Activity, report.Status)
            {
                PercentComplete = Math.Clamp(report.PercentComplete, 0, 100),
                RecordType = report.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            }));
        }
    }

    public void Dispose()
    {
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }
}
