"""The throw-away Dovecot configuration the tests write fits the installed Dovecot: 2.3 names for 2.3 (Debian 12),
2.4 names for 2.4 and later (Debian 13, upstream), which refuses 2.3's (doc.dovecot.org, 2.3 to 2.4)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.inbox.conftest import dovecot_config, dovecot_version

VALUES = {
    "base": "/tmp/dovecot-test",
    "users": "",
    "password": "secret",
    "uid": 1000,
    "gid": 1000,
    "port": 1143,
    "chroot": "",
    "authority": 8080,
}

#: Settings 2.4 removed or renamed, each of which 2.4 refuses.
ONLY_2_3 = ("mail_location", "disable_plaintext_auth", "args =", "driver = oauth2", "%u", "\n  mechanisms =")


def test_the_2_3_configuration_keeps_the_2_3_names():
    text, oauth2 = dovecot_config((2, 3, 19, 1), **VALUES)
    assert "mail_location = maildir:/tmp/dovecot-test/mail/%u" in text and "driver = oauth2" in text
    assert "dovecot_config_version" not in text and "introspection_url = http://127.0.0.1:8080/introspect" in oauth2


@pytest.mark.parametrize("version", [(2, 4, 0), (2, 4, 1, 4), (2, 5)])
def test_2_4_and_later_get_the_2_4_names(version):
    text, oauth2 = dovecot_config(version, **VALUES)
    assert oauth2 is None
    assert text.startswith("dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n")
    assert "mail_driver = maildir\nmail_path = /tmp/dovecot-test/mail/%{user}" in text
    assert "auth_allow_cleartext = yes" in text and "passdb static {\n  password = secret\n}" in text
    assert "  introspection_url = http://127.0.0.1:8080/introspect\n" in text.split("oauth2 {", 1)[1]
    for name in ONLY_2_3:
        assert name not in text, name


def test_the_installed_dovecot_accepts_the_configuration_for_its_version(tmp_path):
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    doveconf = shutil.which("doveconf") or "/usr/bin/doveconf"
    if not os.path.exists(binary) or not os.path.exists(doveconf):
        pytest.skip("Dovecot is not installed")
    text, oauth2 = dovecot_config(dovecot_version(binary), **{**VALUES, "base": str(tmp_path)})
    if oauth2 is not None:
        (tmp_path / "oauth2.conf").write_text(oauth2)
    (tmp_path / "dovecot.conf").write_text(text)
    checked = subprocess.run([doveconf, "-n", "-c", str(tmp_path / "dovecot.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "Obsolete" not in checked.stderr and "Warning" not in checked.stderr, checked.stderr
