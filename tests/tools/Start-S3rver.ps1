<#
.SYNOPSIS
Starts s3rver (npm, installed by Install-TestPrerequisites.ps1) on a free 127.0.0.1 port with a fresh data
folder, and returns an object with Endpoint, Port, Directory, Process and a Stop() method.

.DESCRIPTION
s3rver picks the free port itself (-p 0) and says on stdout when it listens and where; the script waits for that
line (a generous hang detector, no polling), so there is no port race and no sleep.

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

$psi = [System.Diagnostics.ProcessStartInfo]::new($node)
foreach ($a in $script, '-d', $directory, '-a', '127.0.0.1', '-p', '0', '--silent', '--no-vhost-buckets') { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
$psi.UseShellExecute = $false
$process = [System.Diagnostics.Process]::Start($psi)
$stderr = $process.StandardError.ReadToEndAsync()
$port = $null
while (-not $port) {
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromMinutes(1))) { $process.Kill($true); throw 's3rver did not say that it listens (hang detector).' }
    if ($null -eq $line.Result) { throw "s3rver exited ($($process.ExitCode)) before listening: $($stderr.Result)" }
    if ($line.Result -match '^S3rver listening on 127\.0\.0\.1:(\d+)') { $port = [int]$Matches[1] }
}
$null = $process.StandardOutput.ReadToEndAsync()   # keep the pipe drained

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
