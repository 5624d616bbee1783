BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $commands = @(Get-Command -Module BedrockCost -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name
    }

    It 'has a written synopsis, not the generated syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis.Trim() | Should -Not -Be $Name
    }

    It 'has a description' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters })
        foreach ($parameter in $parameters) {
            $parameterHelp = $help.parameters.parameter | Where-Object name -EQ $parameter
            ($parameterHelp.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'has at least 2 examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'has an example that uses the pipeline' {
        @($help.examples.example | Where-Object { $_.code -match '\|' }).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'about_BedrockCost' {
    It 'is found by Get-Help' {
        $topic = Get-Help -Name about_BedrockCost
        ($topic | Out-String) | Should -Match 'about_BedrockCost'
    }
}
