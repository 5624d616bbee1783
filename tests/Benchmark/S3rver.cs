using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BedrockCost.Benchmark;

/// <summary>
/// s3rver (npm, installed by tests/tools/Install-TestPrerequisites.ps1) on a free 127.0.0.1 port with a fresh data
/// folder, as tests/tools/Start-S3rver.ps1 starts it for the tests; stopped and its folder deleted on Dispose.
/// </summary>
internal sealed class S3rver : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private S3rver(Process process, string directory, string endpoint)
    {
        _process = process;
        _directory = directory;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }
    public int ProcessId => _process.Id;

    public static S3rver Start(string repoRoot)
    {
        var script = Path.Combine(repoRoot, "tests", "tools", "node", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script)) throw new FileNotFoundException($"s3rver is not installed: run tests/tools/Install-TestPrerequisites.ps1 ('{script}' is missing).");
        var directory = Directory.CreateTempSubdirectory("s3rver-bench-").FullName;
        for (var attempt = 1; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { script, "-d", directory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--no-vhost-buckets" })
                psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new S3rver(process, directory, $"http://127.0.0.1:{port}");
                }
                catch (SocketException) { Thread.Sleep(100); }
            }
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            if (attempt >= 3) throw new InvalidOperationException($"s3rver did not start on 127.0.0.1:{port}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
