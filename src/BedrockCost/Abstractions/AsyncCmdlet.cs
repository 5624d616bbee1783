using System.Collections.Concurrent;
using System.Management.Automation;
using BedrockCost.Core;

namespace BedrockCost.Abstractions;

/// <summary>
/// Runs a cmdlet's work off the pipeline thread, marshals every stream write back to it, and cancels the
/// work through one token when the user presses Ctrl+C (StopProcessing). Cancellation ends quietly.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private BlockingCollection<Action>? _queue;

    protected CancellationToken CancelToken => _cts.Token;

    protected virtual Task BeginProcessingAsync() => Task.CompletedTask;
    protected virtual Task ProcessRecordAsync() => Task.CompletedTask;
    protected virtual Task EndProcessingAsync() => Task.CompletedTask;

    protected sealed override void BeginProcessing() => Run(BeginProcessingAsync);
    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);
    protected sealed override void EndProcessing() => Run(EndProcessingAsync);
    protected override void StopProcessing() => _cts.Cancel();

    private void Run(Func<Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        _queue = queue;
        var task = Task.Run(async () =>
        {
            try { await work().ConfigureAwait(false); }
            finally { queue.CompleteAdding(); }
        });
        Exception? pipelineFailure = null;
        foreach (var action in queue.GetConsumingEnumerable())
        {
            if (pipelineFailure is not null) continue;
            try { action(); }
            catch (Exception e)
            {
                // PipelineStoppedException (Select-Object -First, Ctrl+C) or a terminating error: stop the work.
                pipelineFailure = e;
                _cts.Cancel();
            }
        }
        _queue = null;
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            // Ctrl+C (Stopping): end quietly, the engine is already stopping the pipeline; a
            // PipelineStoppedException thrown here would surface as an error record in hosted runspaces.
            if (pipelineFailure is null && !Stopping) throw new PipelineStoppedException();
        }
        catch (BedrockCostException e) when (pipelineFailure is null)
        {
            if (ErrorRecords.IsTerminating(e)) ThrowTerminatingError(ErrorRecords.From(e));
            WriteError(ErrorRecords.From(e));
        }
        if (pipelineFailure is PipelineStoppedException && Stopping) return;
        if (pipelineFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(pipelineFailure).Throw();
    }

    /// <summary>Runs an action on the pipeline thread (queued when called from the work).</summary>
    protected void OnPipeline(Action action)
    {
        var queue = _queue;
        if (queue is null) action();
        else queue.Add(action);
    }

    /// <summary>Runs a function on the pipeline thread (ShouldProcess, provider paths) and awaits its result.</summary>
    protected Task<T> InvokeOnPipelineAsync<T>(Func<T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnPipeline(() =>
        {
            try { done.SetResult(function()); }
            catch (Exception e)
            {
                done.TrySetException(e);
                throw; // the pipeline loop stops the work too (PipelineStoppedException, terminating errors)
            }
        });
        return done.Task;
    }

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
