int  Badly( int x ){return x+1;}
