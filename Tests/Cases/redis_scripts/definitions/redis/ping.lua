return 'pong'
