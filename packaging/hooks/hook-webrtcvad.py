# The contrib hook copies the metadata of "webrtcvad", but the wheel on PyPI is "webrtcvad-wheels"
# (the one pyproject.toml depends on); webrtcvad reads its version from that distribution.
from PyInstaller.utils.hooks import copy_metadata

datas = copy_metadata("webrtcvad-wheels")
