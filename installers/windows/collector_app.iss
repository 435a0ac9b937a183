; Inno Setup 6 script of the Windows installer: the PyInstaller bundle (installers/pyinstaller/collector_app.spec,
; built into dist\collector-app) installed for the current user, without administrator rights.
;
;   iscc /DAppVersion=0.1.0 installers\windows\collector_app.iss   ->  dist\collector-app-0.1.0-setup.exe
;
; .github/workflows/windows-installer.yml passes the version from pyproject.toml and puts the unofficial
; Vietnamese translation of Inno Setup (Vietnamese.isl, from jrsoftware/issrc) beside this file. Not run on
; the project's Linux machines: see the README ("Collectors' laptops").
;
; The user's data (the store, its backups and keyring, settings) lives in %LOCALAPPDATA%\collector-app
; (collector_app/paths.py, platformdirs), apart from the program folder: the installer never writes there,
; and neither an upgrade nor the uninstaller deletes it.
; UTF-8 with a byte-order mark: Inno Setup reads the Vietnamese names below as Unicode.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=X.Y.Z collector_app.iss
#endif
#define AppExe "collector-app.exe"
#define Bundle "..\..\dist\collector-app"

[Setup]
; The same AppId for every version: a new installer upgrades the installed one in place.
AppId={{8BE099CA-5222-4499-ACAE-495111BA298C}
AppName=Collector app
AppVersion={#AppVersion}
AppVerName=Collector app {#AppVersion}
AppPublisher=Collector app
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
; {autopf} for a per-user install is %LOCALAPPDATA%\Programs
DefaultDirName={autopf}\collector-app
DisableProgramGroupPage=yes
DisableDirPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=collector-app-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\collector-app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={cm:AppTitle}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An open app holds its files: setup asks to close it before replacing them.
CloseApplications=yes
ShowLanguageDialog=auto

[Languages]
Name: "vi"; MessagesFile: "Vietnamese.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
vi.AppTitle=Thu BHXH tự nguyện & BHYT hộ gia đình
en.AppTitle=Voluntary SI & family HI collection

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: no library of the older version is left beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{cm:AppTitle}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{cm:AppTitle}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{cm:AppTitle}}"; Flags: nowait postinstall skipifsilent
