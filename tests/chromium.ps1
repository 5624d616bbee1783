# Dot-sourced by tests that render HTML in headless Chromium. A small client of the Chrome DevTools protocol over
# its WebSocket: start the browser, open a page at a given viewport size, evaluate JavaScript in the rendered page
# (the DOM and the layout after the browser parsed and laid it out), take a screenshot, stop the browser.
# Every wait is on an event (the endpoint announced on stderr, a reply, the page's load event) with a generous hang
# detector; nothing waits on a clock to let something happen.

$script:CdpTimeout = [TimeSpan]::FromMinutes(2)

function Start-Chromium {
    param([Parameter(Mandatory)][string]$ProfileRoot)
    $exe = @('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') |
        ForEach-Object { Get-Command -Name $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
    if (-not $exe) { throw 'Chromium is not installed: run tests/tools/Install-TestPrerequisites.ps1 (apt-get install chromium).' }
    $profileDir = Join-Path $ProfileRoot "chromium-$([guid]::NewGuid())"
    $psi = [System.Diagnostics.ProcessStartInfo]::new($exe.Source)
    foreach ($a in '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--remote-debugging-address=127.0.0.1',
        '--remote-debugging-port=0', "--user-data-dir=$profileDir", 'about:blank') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    # The browser says where its DevTools endpoint listens (port 0: a free port it chose) on stderr.
    $endpoint = $null
    while (-not $endpoint) {
        $line = $process.StandardError.ReadLineAsync()
        if (-not $line.Wait($CdpTimeout)) { $process.Kill(); throw 'Chromium did not announce its DevTools endpoint.' }
        if ($null -eq $line.Result) { throw "Chromium exited ($($process.ExitCode)) before listening." }
        if ($line.Result -match 'DevTools listening on (ws://\S+)') { $endpoint = $Matches[1] }
    }
    $null = $process.StandardError.ReadToEndAsync()
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

function Open-Page {
    # Opens $Url in a new tab laid out at $Width x $Height CSS pixels and waits for its load event; returns the tab.
    param([Parameter(Mandatory)]$Browser, [Parameter(Mandatory)][string]$Url, [int]$Width = 1280, [int]$Height = 900)
    $target = Invoke-Cdp $Browser 'Target.createTarget' @{ url = 'about:blank' }
    $session = (Invoke-Cdp $Browser 'Target.attachToTarget' @{ targetId = $target.targetId; flatten = $true }).sessionId
    $null = Invoke-Cdp $Browser 'Emulation.setDeviceMetricsOverride' @{ width = $Width; height = $Height; deviceScaleFactor = 1; mobile = $false } $session
    $null = Invoke-Cdp $Browser 'Page.enable' @{} $session
    $navigation = Invoke-Cdp $Browser 'Page.navigate' @{ url = $Url } $session
    if ($navigation.errorText) { throw "Chromium cannot load ${Url}: $($navigation.errorText)" }
    $null = Wait-CdpEvent $Browser 'Page.loadEventFired' $session
    [pscustomobject]@{ Browser = $Browser; TargetId = $target.targetId; Session = $session }
}

function Invoke-PageScript {
    # Evaluates JavaScript in the page; the expression returns JSON text, which comes back as objects.
    param([Parameter(Mandatory)]$Page, [Parameter(Mandatory)][string]$Expression)
    $result = Invoke-Cdp $Page.Browser 'Runtime.evaluate' @{ expression = $Expression; returnByValue = $true } $Page.Session
    if ($result.exceptionDetails) { throw "The expression failed in the page: $($result.exceptionDetails.exception.description)" }
    $result.result.value | ConvertFrom-Json -Depth 100
}

function Save-PageScreenshot {
    # A PNG of the whole page (not only the viewport), written to $Path.
    param([Parameter(Mandatory)]$Page, [Parameter(Mandatory)][string]$Path)
    $shot = Invoke-Cdp $Page.Browser 'Page.captureScreenshot' @{ format = 'png'; captureBeyondViewport = $true } $Page.Session
    [System.IO.File]::WriteAllBytes($Path, [Convert]::FromBase64String($shot.data))
    Get-Item -LiteralPath $Path
}

function Close-Page($Page) {
    $null = Invoke-Cdp $Page.Browser 'Target.closeTarget' @{ targetId = $Page.TargetId }
}

function Get-RenderedPage {
    # Loads $Url, evaluates $Expression in it and closes the tab.
    param([Parameter(Mandatory)]$Browser, [Parameter(Mandatory)][string]$Url, [Parameter(Mandatory)][string]$Expression, [int]$Width = 1280)
    $page = Open-Page -Browser $Browser -Url $Url -Width $Width
    try { Invoke-PageScript -Page $page -Expression $Expression } finally { Close-Page $page }
}

function Stop-Chromium($Browser) {
    if (-not $Browser) { return }
    try { $null = Invoke-Cdp $Browser 'Browser.close' } catch { }
    if (-not $Browser.Process.WaitForExit([int]$CdpTimeout.TotalMilliseconds)) { $Browser.Process.Kill() }
    $Browser.Socket.Dispose()
    Remove-Item -LiteralPath $Browser.ProfileDir -Recurse -Force -ErrorAction Ignore
}
