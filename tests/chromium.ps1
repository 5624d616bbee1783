# Dot-sourced by tests that render HTML in headless Chromium: a minimal client of the Chrome DevTools protocol over
# its WebSocket, to load a page and evaluate an expression in it (the rendered DOM, after the browser parsed it).
# Every wait is on an event (the DevTools endpoint announced on stderr, a reply, Page.loadEventFired) with a
# generous hang detector, never a sleep.

$script:CdpTimeout = [TimeSpan]::FromMinutes(2)

function Start-Chromium {
    param([Parameter(Mandatory)][string]$ProfileRoot)
    $exe = @('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') |
        ForEach-Object { Get-Command -Name $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
    if (-not $exe) { throw 'Chromium is not installed: run tests/tools/Install-TestPrerequisites.ps1 (apt-get install chromium).' }
    $profileDir = Join-Path $ProfileRoot "chromium-$([guid]::NewGuid())"
    $psi = [System.Diagnostics.ProcessStartInfo]::new($exe.Source)
    foreach ($a in '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0',
        "--user-data-dir=$profileDir", 'about:blank') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    # Chromium announces its DevTools endpoint on stderr once it listens.
    $endpoint = $null
    while (-not $endpoint) {
        $line = $process.StandardError.ReadLineAsync()
        if (-not $line.Wait($CdpTimeout)) { $process.Kill(); throw 'Chromium did not announce its DevTools endpoint.' }
        if ($null -eq $line.Result) { throw "Chromium exited ($($process.ExitCode)) before listening." }
        if ($line.Result -match 'DevTools listening on (ws://\S+)') { $endpoint = $Matches[1] }
    }
    $null = $process.StandardError.ReadToEndAsync()   # keep the pipes drained
    $null = $process.StandardOutput.ReadToEndAsync()
    $socket = [System.Net.WebSockets.ClientWebSocket]::new()
    if (-not $socket.ConnectAsync([uri]$endpoint, [System.Threading.CancellationToken]::None).Wait($CdpTimeout)) { throw 'Cannot connect to Chromium.' }
    [pscustomobject]@{ Process = $process; Socket = $socket; NextId = 0; Events = [System.Collections.Generic.List[object]]::new(); ProfileDir = $profileDir }
}

function Receive-CdpMessage($Browser) {
    $buffer = [byte[]]::new(1MB)
    $message = [System.IO.MemoryStream]::new()
    do {
        $receive = $Browser.Socket.ReceiveAsync([ArraySegment[byte]]::new($buffer), [System.Threading.CancellationToken]::None)
        if (-not $receive.Wait($CdpTimeout)) { throw 'No message from Chromium (hang detector).' }
        $message.Write($buffer, 0, $receive.Result.Count)
    } until ($receive.Result.EndOfMessage)
    [System.Text.Encoding]::UTF8.GetString($message.ToArray()) | ConvertFrom-Json -Depth 100
}

function Invoke-Cdp($Browser, [string]$Method, [hashtable]$Params = @{}, [string]$SessionId) {
    $id = ++$Browser.NextId
    $request = @{ id = $id; method = $Method; params = $Params }
    if ($SessionId) { $request.sessionId = $SessionId }
    $bytes = [System.Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $request -Depth 20 -Compress))
    if (-not $Browser.Socket.SendAsync([ArraySegment[byte]]::new($bytes), 'Text', $true, [System.Threading.CancellationToken]::None).Wait($CdpTimeout)) {
        throw "Cannot send $Method to Chromium."
    }
    while ($true) {
        $m = Receive-CdpMessage $Browser
        if ($m.id -eq $id) {
            if ($m.error) { throw "Chromium: $Method failed: $($m.error.message)" }
            return $m.result
        }
        $Browser.Events.Add($m)
    }
}

function Wait-CdpEvent($Browser, [string]$Method, [string]$SessionId) {
    while ($true) {
        $e = $Browser.Events | Where-Object { $_.method -eq $Method -and $_.sessionId -eq $SessionId } | Select-Object -First 1
        if ($e) { $null = $Browser.Events.Remove($e); return $e }
        $Browser.Events.Add((Receive-CdpMessage $Browser))
    }
}

function Get-RenderedPage {
    # Loads $Url in a new tab, waits for its load event, and returns the value of the JavaScript $Expression
    # evaluated in the page (it should return JSON text, which is converted to objects).
    param([Parameter(Mandatory)]$Browser, [Parameter(Mandatory)][string]$Url, [Parameter(Mandatory)][string]$Expression)
    $target = Invoke-Cdp $Browser 'Target.createTarget' @{ url = 'about:blank' }
    try {
        $session = (Invoke-Cdp $Browser 'Target.attachToTarget' @{ targetId = $target.targetId; flatten = $true }).sessionId
        $null = Invoke-Cdp $Browser 'Page.enable' @{} $session
        $navigation = Invoke-Cdp $Browser 'Page.navigate' @{ url = $Url } $session
        if ($navigation.errorText) { throw "Chromium cannot load ${Url}: $($navigation.errorText)" }
        $null = Wait-CdpEvent $Browser 'Page.loadEventFired' $session
        $result = Invoke-Cdp $Browser 'Runtime.evaluate' @{ expression = $Expression; returnByValue = $true } $session
        if ($result.exceptionDetails) { throw "The expression failed in the page: $($result.exceptionDetails.exception.description)" }
        $result.result.value | ConvertFrom-Json -Depth 100
    }
    finally { $null = Invoke-Cdp $Browser 'Target.closeTarget' @{ targetId = $target.targetId } }
}

function Stop-Chromium($Browser) {
    if (-not $Browser) { return }
    try { $null = Invoke-Cdp $Browser 'Browser.close' } catch { }
    if (-not $Browser.Process.WaitForExit([int]$CdpTimeout.TotalMilliseconds)) { $Browser.Process.Kill() }
    $Browser.Socket.Dispose()
    Remove-Item -LiteralPath $Browser.ProfileDir -Recurse -Force -ErrorAction Ignore
}
