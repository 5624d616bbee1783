# Dot-sourced by every *.Tests.ps1: imports the built module (BEDROCKCOST_MODULE from build.ps1, else
# output/BedrockCost) and sets paths the tests share.
$script:RepoRoot = if ($env:BEDROCKCOST_REPO) { $env:BEDROCKCOST_REPO } else { Split-Path -Parent $PSScriptRoot }
$script:ModulePath = if ($env:BEDROCKCOST_MODULE) { $env:BEDROCKCOST_MODULE } else { Join-Path $RepoRoot 'output/BedrockCost/BedrockCost.psd1' }
$script:ToolsPath = Join-Path $RepoRoot 'output/tools'
$script:SamplePath = Join-Path $RepoRoot 'samples/bedrock-cur'

if (-not (Test-Path -LiteralPath $ModulePath)) { throw "Built module not found at '$ModulePath': run ./build.ps1 first." }
if (-not (Get-Module -Name BedrockCost)) { Import-Module -Name $ModulePath -ErrorAction Stop }

# The pwsh running the tests, as a command line for child processes (under `dotnet pwsh` it is dotnet + pwsh.dll).
$script:PwshCommand = if ([System.IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'pwsh') {
    @([Environment]::ProcessPath)
}
else {
    @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
}

function Invoke-ChildPwsh {
    # Runs a script block in a fresh pwsh (via a temporary file, arguments passed positionally) and returns
    # its output converted from the JSON the script block must emit.
    param([scriptblock]$ScriptBlock, [string[]]$ArgumentList = @())
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-$([guid]::NewGuid()).ps1"
    Set-Content -LiteralPath $file -Value $ScriptBlock.ToString()
    try {
        $exe = $script:PwshCommand[0]
        $prefix = @($script:PwshCommand | Select-Object -Skip 1)
        $output = & $exe @prefix -NoProfile -NonInteractive -File $file @ArgumentList 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Child pwsh failed ($LASTEXITCODE):`n$($output -join "`n")" }
        ($output | Where-Object { $_ -is [string] }) -join "`n" | ConvertFrom-Json
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction Ignore
    }
}

function ConvertFrom-ExactJson {
    # JSON to objects with every non-integer number as [decimal], exactly as written (ConvertFrom-Json makes them
    # [double], which keeps about 15 digits of the 17-22 the truth files hold).
    param([Parameter(Mandatory, ValueFromPipeline)][string]$Json)
    function ConvertElement([System.Text.Json.JsonElement]$e) {
        switch ($e.ValueKind) {
            'Object' {
                $o = [ordered]@{}
                foreach ($p in $e.EnumerateObject()) { $o[$p.Name] = ConvertElement $p.Value }
                return [pscustomobject]$o
            }
            'Array' { return , @(foreach ($i in $e.EnumerateArray()) { ConvertElement $i }) }
            'String' { return $e.GetString() }
            'Number' { $l = [long]0; if ($e.TryGetInt64([ref]$l)) { return $l } else { return $e.GetDecimal() } }
            'True' { return $true }
            'False' { return $false }
            default { return $null }
        }
    }
    $doc = [System.Text.Json.JsonDocument]::Parse($Json)
    try { ConvertElement $doc.RootElement } finally { $doc.Dispose() }
}

function Get-Truth {
    # One billing period and currency of an expected.json written by the test-data generator (default: the sample's).
    param([Parameter(Mandatory)][string]$Period, [string]$Currency = 'USD', [string]$Path = (Join-Path $RepoRoot 'samples/expected.json'))
    if (-not $script:TruthCache) { $script:TruthCache = @{} }
    if (-not $script:TruthCache.ContainsKey($Path)) { $script:TruthCache[$Path] = Get-Content -Raw -LiteralPath $Path | ConvertFrom-ExactJson }
    $p = $script:TruthCache[$Path].periods | Where-Object billingPeriod -EQ $Period
    if (-not $p) { throw "No billing period $Period in $Path." }
    $p.currencies | Where-Object currency -EQ $Currency
}

function ConvertTo-Decimal($Value) {
    # A number as decimal, exactly: PowerShell's [decimal]'1.23...' goes through double and keeps 15 digits.
    if ($Value -is [string]) { [decimal]::Parse($Value, [System.Globalization.NumberStyles]::Float, [cultureinfo]::InvariantCulture) }
    else { [decimal]$Value }
}

function Get-DecimalSum {
    # Sums a property in decimal (Measure-Object -Sum adds doubles, which cannot check money to the last digit).
    param([object[]]$InputObject, [string]$Property = 'Cost')
    $total = [decimal]0
    foreach ($o in $InputObject) { $total += ConvertTo-Decimal $o.$Property }
    $total
}

function Get-DecimalSumBy {
    # Sums a property in decimal per key (ordinal keys: tag values differ by case); $null keys become $NullKey.
    param([object[]]$InputObject, [scriptblock]$Key, [string]$Property = 'Cost', [string]$NullKey = '')
    $sums = [System.Collections.Generic.Dictionary[string, decimal]]::new([System.StringComparer]::Ordinal)
    foreach ($o in $InputObject) {
        $k = & $Key $o
        if ($null -eq $k) { $k = $NullKey }
        $sum = [decimal]0
        $null = $sums.TryGetValue($k, [ref]$sum)
        $sums[$k] = $sum + (ConvertTo-Decimal $o.$Property)
    }
    $sums
}

function Assert-Groups {
    # Rows summed per key equal the truth's groups (expected.json items whose key property is $Name, $null meaning
    # $None): the same keys, and per key the cost in the basis asked, both costs and the input tokens.
    param($Rows, [scriptblock]$Key, $Groups, [string]$Name, [string]$None = '?', [switch]$Net)
    $want = [System.Collections.Generic.Dictionary[string, object]]::new([System.StringComparer]::Ordinal)
    foreach ($g in $Groups) { $want[$(if ($null -eq $g.$Name) { $None } else { $g.$Name })] = $g }
    $cost = Get-DecimalSumBy $Rows $Key
    @($cost.Keys | Sort-Object -CaseSensitive) | Should -Be @($want.Keys | Sort-Object -CaseSensitive) -Because "the $Name groups"
    $unblended = Get-DecimalSumBy $Rows $Key UnblendedCost
    $netCost = Get-DecimalSumBy $Rows $Key NetUnblendedCost
    $inputTokens = Get-DecimalSumBy $Rows $Key InputTokens
    foreach ($k in $want.Keys) {
        $cost[$k] | Should -Be $(if ($Net) { $want[$k].netUnblendedCost } else { $want[$k].unblendedCost }) -Because "$Name '$k'"
        $unblended[$k] | Should -Be $want[$k].unblendedCost -Because "$Name '$k' unblended"
        $netCost[$k] | Should -Be $want[$k].netUnblendedCost -Because "$Name '$k' net"
        $inputTokens[$k] | Should -Be $want[$k].inputTokens -Because "$Name '$k' input tokens"
    }
}

function Get-ExpectedCostCentre {
    # What each cost centre of a chargeback must be charged, from expected.json alone: the cost of the principals whose
    # cost centre is $Rule's answer (a mapping file) or else their $Tag value (direct cost), and the rest of the Bedrock
    # total kept on '(unallocated)', assigned to $Owner, or split evenly or in proportion to direct cost.
    # Returns an ordinal dictionary cost centre -> amount (split shares are rounded by the module: compare to 1e-6).
    param([Parameter(Mandatory)]$Truth, [string]$Tag, [ValidateSet('Keep', 'Proportional', 'Even', 'Assign')][string]$Policy = 'Keep',
        [string]$Owner, [scriptblock]$Rule, [switch]$Net)
    $cost = if ($Net) { 'netUnblendedCost' } else { 'unblendedCost' }
    $direct = [System.Collections.Generic.Dictionary[string, decimal]]::new([System.StringComparer]::Ordinal)
    foreach ($p in $Truth.principals) {
        $cc = if ($Rule) { & $Rule $p } else { $null }
        if (-not $cc -and $Tag) { $cc = $p.tags.$Tag }
        if (-not $cc) { continue }
        $sum = [decimal]0
        $null = $direct.TryGetValue($cc, [ref]$sum)
        $direct[$cc] = $sum + $p.$cost
    }
    $directTotal = [decimal]0
    foreach ($v in $direct.Values) { $directTotal += $v }
    $pool = $Truth.bedrock.$cost - $directTotal
    $result = [System.Collections.Generic.Dictionary[string, decimal]]::new($direct, [System.StringComparer]::Ordinal)
    switch ($Policy) {
        'Keep' { $result['(unallocated)'] = $pool }
        'Assign' { $result[$Owner] = $pool }
        'Even' { foreach ($cc in $direct.Keys) { $result[$cc] += $pool / $direct.Count } }
        'Proportional' { foreach ($cc in $direct.Keys) { $result[$cc] += $pool * $direct[$cc] / $directTotal } }
    }
    $result
}

function Enable-Checkpoint {
    # Arms a test-only checkpoint of the engine (BedrockCost.Core.Checkpoints: CurFileRead, ReportWritten) for the work
    # on files under $Prefix: that work waits there until stopped. Returns the hold: wait on .Reached, then .Dispose().
    param([Parameter(Mandatory)][ValidateSet('CurFileRead', 'ReportWritten')][string]$Name, [Parameter(Mandatory)][string]$Prefix)
    # The engine lives in the module's own load context, and the checkpoints are internal.
    $core = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'BedrockCost' |
        ForEach-Object Assemblies | Where-Object { $_.GetName().Name -eq 'BedrockCost.Core' }
    $checkpoints = $core.GetType('BedrockCost.Core.Checkpoints', $true)
    $checkpoints.GetMethod('Arm').Invoke($null, @($checkpoints.GetField($Name).GetValue($null), $Prefix))
}

function Start-FakeAws {
    # Starts tests/tools/BedrockCost.FakeAws (built once per session into output/fake-aws) for a service (athena or
    # dataexports) with its arguments; returns Url, the key pair it accepts, Process and Stop(). Stop it with Stop-FakeAws.
    param([string]$Service, [string[]]$ArgumentList = @())
    & (Join-Path $RepoRoot 'tests/tools/Start-FakeAws.ps1') -Project BedrockCost.FakeAws -BuildPath (Initialize-FakeAws) -ArgumentList (@($Service) + $ArgumentList) |
        Add-Member -NotePropertyMembers @{ AccessKey = 'AKIAFAKEAWS000000001'; SecretKey = 'fake/aws/secret+key00000000000000000000' } -PassThru
}

function Stop-FakeAws($Fake) { if ($Fake) { $Fake.Stop() } }

function Initialize-FakeAws {
    # The folder of tests/tools/BedrockCost.FakeAws, built fresh once per session.
    $out = Join-Path $RepoRoot 'output/fake-aws'
    if (-not $script:FakeAwsBuilt) {
        Remove-Item -LiteralPath $out -Recurse -Force -ErrorAction Ignore
        $build = & dotnet build (Join-Path $RepoRoot 'tests/tools/BedrockCost.FakeAws') -c Release -o $out --nologo -v q 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Building BedrockCost.FakeAws failed: $($build -join "`n")" }
        $script:FakeAwsBuilt = $true
    }
    $out
}

function Invoke-DuckDb([string[]]$Statement) {
    # Runs SQL statements in DuckDB (through the fake endpoints' program, which has it): data the module did not write.
    $output = & dotnet (Join-Path (Initialize-FakeAws) 'BedrockCost.FakeAws.dll') duckdb @Statement 2>&1
    if ($LASTEXITCODE -ne 0) { throw "DuckDB failed: $($output -join "`n")" }
}

# Invoke-RestMethod writes a JSON array as one object: unroll it.
function Get-FakeLog($Fake, [string]$What = 'requests') { @(Invoke-RestMethod "$($Fake.Url)/__$What" | ForEach-Object { $_ }) }
