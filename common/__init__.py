"""What client and server both need: audio DSP, VAD, language codes and pairs, session events, the
files that hold TLS keys and tokens, domain errors.

The bottom floor of Tolk: it imports nothing else from Tolk.
"""
