"""What client and server both need: audio DSP, VAD, language codes and pairs, domain errors.

The bottom floor of Tolk: it imports nothing else from Tolk.
"""
