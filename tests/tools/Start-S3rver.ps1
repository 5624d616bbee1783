<#
.SYNOPSIS
Starts s3rver (npm, installed by Install-TestPrerequisites.ps1) on a free 127.0.0.1 port with a fresh data
folder, and returns an object with Endpoint, Port, Directory, Process and a Stop() method.

.EXAMPLE
$s3 = & tests/tools/Start-S3rver.ps1; try { ... $s3.Endpoint ... } finally { $s3.Stop() }
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

$script = Join-Path $PSScriptRoot 'node/node_modules/s3rver/bin/s3rver.js'
if (-not (Test-Path -LiteralPath $script)) { throw "s3rver is not installed: run tests/tools/Install-TestPrerequisites.ps1 ('$script' is missing)." }
$node = (Get-Command node -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source

$directory = Join-Path ([System.IO.Path]::GetTempPath()) "s3rver-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
$null = New-Item -ItemType Directory -Path $directory

for ($attempt = 1; ; $attempt++) {
    # A free port: bind port 0, read it, release it (a race with another process is retried).
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()

    $psi = [System.Diagnostics.ProcessStartInfo]::new($node)
    foreach ($a in $script, '-d', $directory, '-a', '127.0.0.1', '-p', "$port", '--silent', '--no-vhost-buckets') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $null = $process.StandardOutput.ReadToEndAsync(); $stderr = $process.StandardError.ReadToEndAsync()

    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    $up = $false
    while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
        try {
            $client = [System.Net.Sockets.TcpClient]::new()
            $client.Connect('127.0.0.1', $port); $client.Dispose(); $up = $true; break
        }
        catch { Start-Sleep -Milliseconds 100 }
    }
    if ($up) { break }
    if (-not $process.HasExited) { $process.Kill($true) }
    if ($attempt -ge 3) { throw "s3rver did not start on 127.0.0.1:$port`: $($stderr.Result)" }
}

$server = [pscustomobject]@{
    Endpoint  = "http://127.0.0.1:$port"
    Port      = $port
    Directory = $directory
    Process   = $process
}
$server | Add-Member -MemberType ScriptMethod -Name Stop -Value {
    if (-not $this.Process.HasExited) { $this.Process.Kill($true); $null = $this.Process.WaitForExit(5000) }
    $this.Process.Dispose()
    Remove-Item -LiteralPath $this.Directory -Recurse -Force -ErrorAction Ignore
}
$server
