"""The packaging inputs stay in step with the project (no bundle is built here: .ci/installers_desktop.sh
builds, installs and self-tests the real one).

The spec ships every resource the app reads and names none that is gone; one version, pyproject.toml's,
reaches the .deb, the Windows installer and the app; the .deb that installers/linux/build_deb.sh makes
holds the app where the desktop entry and PATH point, depends on the libraries its binaries load and has
no maintainer script that could touch a user's data; the desktop entry validates.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import collector_app
from collector_app.paths import APP_NAME, STORE_FILE_NAME

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
SPEC = ROOT / "installers" / "pyinstaller" / "collector_app.spec"
DESKTOP_ENTRY = ROOT / "installers" / "linux" / "collector-app.desktop"
ISS = ROOT / "installers" / "windows" / "collector_app.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "windows-installer.yml"
# In resources/ but not read by the running app: how the files are made, sources of what is (Qt's .ts of
# the .qm, the icon's SVG of the PNG), and what the packages take from the checkout themselves (the SVG
# for the Linux desktop, the .ico for the Windows .exe and installer).
NOT_SHIPPED = re.compile(r"(^|/)README\.md$|\.py$|\.ts$|\.ico$|\.svg$")


def spec_constant(name: str) -> object:
    """A literal assigned at the spec's top level (the spec itself runs only inside PyInstaller)."""
    for node in ast.parse(SPEC.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
            return ast.literal_eval(node.value)
    raise LookupError(name)


def test_the_bundle_ships_every_resource_the_app_reads_and_names_none_that_is_gone():
    listed = spec_constant("RESOURCES")
    assert isinstance(listed, list)
    resources = ROOT / "resources"
    assert [relative for relative in listed if not (resources / relative).exists()] == []
    shipped = {path for relative in listed for path in
               ([resources / relative] if (resources / relative).is_file() else (resources / relative).rglob("*"))}
    present = {path for path in resources.rglob("*") if path.is_file()
               and not NOT_SHIPPED.search(path.relative_to(resources).as_posix())}
    assert sorted(p.relative_to(resources).as_posix() for p in present - shipped) == []


def test_one_version_from_pyproject_reaches_the_app_and_the_installers():
    assert collector_app.__version__ == VERSION  # what the sync client tells the server
    iss = ISS.read_text(encoding="utf-8-sig")
    assert "AppVersion={#AppVersion}" in iss and "#error" in iss  # iscc fails without /DAppVersion=
    assert not re.search(r"\d+\.\d+\.\d+", iss.split("[Setup]")[1].split("[Languages]")[0])
    assert "/DAppVersion=${{ steps.version.outputs.version }}" in WORKFLOW.read_text(encoding="utf-8")
    assert 'tomllib.loads((ROOT / "pyproject.toml")' in SPEC.read_text(encoding="utf-8")


def test_the_windows_installer_installs_per_user_and_never_deletes_the_data():
    iss = ISS.read_text(encoding="utf-8-sig")
    assert re.search(r"^PrivilegesRequired=lowest$", iss, re.MULTILINE)
    assert re.search(r"^DefaultDirName=\{autopf\}\\collector-app$", iss, re.MULTILINE)  # %LOCALAPPDATA%\Programs
    # Nothing is written to, or deleted from, the data folder (%LOCALAPPDATA%\collector-app).
    sections = "\n".join(line for line in iss.split("[Setup]")[1].splitlines() if not line.startswith(";"))
    assert "[UninstallDelete]" not in sections and "localappdata" not in sections.lower()
    # What the spec builds (dist\<NAME>) is what the installer takes.
    assert 'Source: "{#Bundle}\\*"' in iss
    assert f'#define Bundle "..\\..\\dist\\{spec_constant("NAME")}"' in iss
    assert f'#define AppExe "{spec_constant("NAME")}.exe"' in iss


def test_the_windows_workflow_checks_the_folders_the_app_and_the_installer_use():
    """The workflow's install check must look where the app keeps its data (platformdirs on Windows:
    %LOCALAPPDATA%\\<name>, `appauthor=False`) and where the installer puts the program; otherwise its
    "data kept" would compare an empty folder with itself."""
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert f'$data = Join-Path $env:LOCALAPPDATA "{APP_NAME}"' in workflow
    assert f'Test-Path "$data\\{STORE_FILE_NAME}"' in workflow
    assert 'Join-Path $env:LOCALAPPDATA "Programs\\collector-app"' in workflow  # {autopf} for a user
    assert f'"$program\\{spec_constant("NAME")}-cli.exe" --lang en --self-test' in workflow
    assert workflow.count("Get-Fingerprint) -ne $before") == 2  # after the upgrade and after the uninstall


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_the_desktop_entry_validates_and_names_the_installed_command_and_icon():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP_ENTRY)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout + result.stderr == ""
    entry = dict(line.split("=", 1) for line in DESKTOP_ENTRY.read_text(encoding="utf-8").splitlines() if "=" in line)
    assert entry["Exec"] == entry["Icon"] == "collector-app"
    assert entry["Name[vi]"] == "Thu BHXH tự nguyện & BHYT hộ gia đình"
    assert {"Comment", "Comment[vi]"} <= set(entry)


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build_deb.sh run on a stand-in bundle: an ELF program (/bin/true, which needs the C library) under
    the bundle's name, and a library of the bundle's own."""
    if shutil.which("dpkg-deb") is None or shutil.which("objdump") is None:
        pytest.skip("dpkg-deb or objdump (binutils) missing")
    folder = tmp_path_factory.mktemp("deb")
    bundle = folder / "collector-app"
    (bundle / "_internal").mkdir(parents=True)
    shutil.copy("/bin/true", bundle / "collector-app")
    shutil.copy("/bin/true", bundle / "_internal" / "libbundled.so.1")
    result = subprocess.run(["bash", str(ROOT / "installers" / "linux" / "build_deb.sh"), str(bundle), str(folder / "out")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return folder / "out" / f"collector-app_{VERSION}_amd64.deb"


def test_the_deb_is_named_and_versioned_from_pyproject_and_depends_on_what_its_binaries_load(deb: Path):
    fields = {name: subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                                   check=True).stdout.strip() for name in ("Package", "Version", "Architecture", "Depends")}
    assert fields["Package"] == "collector-app" and fields["Version"] == VERSION and fields["Architecture"] == "amd64"
    depends = fields["Depends"].split(", ")
    assert "libc6" in depends  # /bin/true's libc.so.6, found through its ELF header
    assert {"fontconfig", "libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libgl1"} <= set(depends)


def test_the_deb_puts_the_bundle_in_opt_with_the_command_entry_and_icon_and_runs_no_script(deb: Path):
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    entries = {line.split()[5].removeprefix("."): line for line in listing.splitlines()}
    assert entries["/opt/collector-app/collector-app"].startswith("-rwxr-xr-x root/root")
    assert "/usr/bin/collector-app -> /opt/collector-app/collector-app" in listing
    assert {"/usr/share/applications/collector-app.desktop", "/usr/share/icons/hicolor/256x256/apps/collector-app.png",
            "/usr/share/icons/hicolor/scalable/apps/collector-app.svg"} <= set(entries)
    control = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    # No preinst/postinst/prerm/postrm: installing, upgrading, removing and purging never run code that
    # could reach a user's data folder.
    assert not re.search(r"\b(pre|post)(inst|rm)\b", control)
